"""Certificates per second and peak memory of the bulk issuing path, next to a naive baseline.

    .venv/bin/python bench/certificates.py [--sizes 100,200] [--naive 50]

Each measurement runs in its own processes (so a peak RSS belongs to that run alone) on
a fresh SQLite database and media folder in a temporary directory:

* bulk N ×P — the project's path: certificate_batch_run() for N eligible participants
              (eligibility query, numbering, PDF layout in groups of 25, storage, rows,
              emails with the PDF attached, sent by the eager task to the locmem backend),
              split into P parts run by P worker processes side by side, as Celery
              workers with --concurrency P would; in three variants, same run:
                plain      — no signing key: tagged PDF/A-3a files, no credential;
                credential — a signing key: each certificate also an Open Badges 3.0
                             credential (ES256 JWS) attached to its PDF/A-3a;
                sealed     — as credential, plus a PAdES B-B seal (pyhanko, a test CA's
                             P-256 seal certificate in a PKCS#12 file);
* grouped N — the PDF step alone as the bulk path does it: certificates.pdf.certificates_pdfs()
              on chunks of 25, one layout per chunk, each page written as its own file;
* naive N   — the PDF step alone, one HTML(...).write_pdf() per certificate
              (certificates.pdf.certificate_pdf): the baseline for "grouped".

Time starts when every worker is set up and ready (Django loaded, fonts found).
Peak RSS is each worker's ru_maxrss; "growth" is peak minus the RSS the worker had when
ready, i.e. what the job itself added. PDF work is native (HarfBuzz, Pango) as much as
Python, so RSS is the honest measure; tracemalloc would see only the Python part.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _current_rss_mib() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _bench_variant() -> str:
    return os.environ.get("EPI_BENCH_VARIANT", "plain")


def _make_seal(workdir: Path) -> str:
    """A test root CA and a seal certificate it issued, as a PKCS#12 file (passphrase 'bench')."""
    from datetime import UTC, datetime, timedelta

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509.oid import NameOID

    def name(cn):
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])

    def cert(subject, issuer, public, signer, ca):
        now = datetime.now(UTC)
        return (
            x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(public)
            .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
            .sign(signer, hashes.SHA256())
        )

    root_key = ec.generate_private_key(ec.SECP256R1())
    root = cert(name("Bench Root CA"), name("Bench Root CA"), root_key.public_key(), root_key, True)
    key = ec.generate_private_key(ec.SECP256R1())
    seal = cert(name("Seal of Riga (bench)"), root.subject, key.public_key(), root_key, False)
    path = workdir / "seal.p12"
    path.write_bytes(pkcs12.serialize_key_and_certificates(
        b"seal", key, seal, [root], serialization.BestAvailableEncryption(b"bench")))
    return str(path)


def _apply_variant(workdir: Path, create: bool) -> None:
    from django.conf import settings

    variant = _bench_variant()
    if variant == "plain":
        settings.CREDENTIAL_KEYS_DIR = ""
        return
    settings.CREDENTIAL_KEYS_DIR = str(workdir / "credential-keys")
    if create:
        from certificates import keys

        keys.generate_key()
    if variant == "sealed":
        path = workdir / "seal.p12"
        settings.CERTIFICATE_SEALS = {
            "riga": {"pkcs12": _make_seal(workdir) if create else str(path), "passphrase": "bench"}
        }


def _setup_django(workdir: Path, migrate: bool = True) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings_test"
    # Always a scratch SQLite file: the bench seeds and must never touch a real database.
    if migrate:
        os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ["TEST_MEDIA_ROOT"] = str(workdir / "media")
    import django
    from django.conf import settings

    django.setup()
    settings.BACKGROUND_LONG_JOBS = False
    if migrate:
        from django.core.management import call_command

        call_command("migrate", verbosity=0, interactive=False)
    _apply_variant(workdir, create=migrate)


def _seed(n: int):
    """A finished two-session training with n participants who attended both sessions."""
    from datetime import timedelta

    from django.utils import timezone

    from accounts.models import User
    from events.models import Attendance, City, Event, Registration, Session

    city = City.objects.create(
        name="Riga", slug="riga", country="LV", timezone="Europe/Riga", default_language="lv",
        signatory_name="Mārtiņš Staķis", signatory_title="Mayor of Riga",
        certificate_closing_text="The City of Riga thanks you for your commitment to an inclusive city.",
    )
    event = Event.objects.create(
        city=city, kind=Event.Kind.TRAINING, area=Event.Area.INTERACTION, language="en",
        title="Intercultural competence for front-desk staff", status=Event.Status.PUBLISHED,
    )
    start = timezone.now() - timedelta(days=15)
    sessions = [
        Session.objects.create(event=event, starts_at=start + timedelta(days=7 * i),
                               ends_at=start + timedelta(days=7 * i, hours=3))
        for i in range(2)
    ]
    Event.objects.filter(pk=event.pk).update(starts_at=sessions[0].starts_at, ends_at=sessions[-1].ends_at)
    trainer = User.objects.create_user("trainer@example.org", full_name="Anna Bērziņa")
    event.trainers.add(trainer)
    names = ["Łucja Ștefănescu-Åström", "Jürgen Groß", "Ελένη Παπαδοπούλου", "Аня Петрова", "Sofía Núñez"]
    languages = ["en", "es", "sv"]
    users = User.objects.bulk_create(
        User(email=f"p{i}@example.org", full_name=f"{names[i % len(names)]} {i}",
             preferred_language=languages[i % 3], password="!")
        for i in range(n)
    )
    registrations = Registration.objects.bulk_create(
        Registration(event=event, user=u, status=Registration.Status.CONFIRMED) for u in users
    )
    Attendance.objects.bulk_create(
        Attendance(session=s, registration=r, present=True) for r in registrations for s in sessions
    )
    return Event.objects.select_related("city").get(pk=event.pk), trainer


def _certificates_for(event, n: int):
    """Unsaved certificates as the service builds them, for the PDF-only measurements."""
    from django.utils import timezone

    from certificates.services.certificates import _build, _event_facts, issuable_registrations

    now = timezone.now()
    facts = _event_facts(event, now)
    rows = list(issuable_registrations(event=event, now=now).order_by("pk")[:n])
    return [
        _build(registration=r, event=event, facts=facts, number="EPI-RIG-2026-%06d" % i, actor=None, batch=None,
               issued_at=now)
        for i, r in enumerate(rows, 1)
    ]


def _warm_up() -> float:
    """Do what a long-lived worker did once before this job: load the URL map, parse the
    stylesheet, and find and open the fonts by laying out one throw-away certificate.
    Returns how long that took (a fresh worker process pays it once)."""
    from datetime import date

    from django.urls import reverse

    from certificates import pdf
    from certificates.models import Certificate
    from events.models import Event

    started = time.perf_counter()
    reverse("certificates:verify_lookup")
    event = Event.objects.select_related("city").first()
    sample = Certificate(
        number="EPI-XXX-0000-000000", event=event, language="en", holder_name="Łucja Ștefănescu-Åström",
        event_title=event.title, event_kind="Training", city_name=event.city.name, first_date=date.today(),
        last_date=date.today(), hours=1, sessions_attended=1, sessions_total=1, trainer_names=["Ελένη"],
    )
    pdf.certificates_pdfs([sample, sample])
    if _bench_variant() != "plain":
        import uuid

        from certificates import seal

        sample.credential_jwt = "e30.e30.sig"
        sample.credential_id = uuid.uuid4()
        data = pdf.certificate_pdf(sample)
        sealer = seal.sealer_for(event.city)
        if sealer is not None:
            sealer.seal(data)
    return time.perf_counter() - started


def part_worker(db: str, media: str, batch_id: int, part: int, parts: int) -> None:
    """One Celery-like worker process: set up, say ready, wait for go, run its part."""
    os.environ["DATABASE_URL"] = db
    _setup_django(Path(media).parent, migrate=False)
    warm_up = _warm_up()
    ready_rss = _current_rss_mib()
    print("ready", flush=True)
    sys.stdin.readline()
    from certificates.services.certificates import certificate_batch_run

    cpu = _cpu_seconds()
    certificate_batch_run(batch_id=batch_id, part=part, parts=parts)
    print(json.dumps({"ready_rss_mib": round(ready_rss, 1), "peak_rss_mib": round(_rss_mib(), 1),
                      "cpu_seconds": _cpu_seconds() - cpu, "warm_up_seconds": warm_up}), flush=True)


def worker(mode: str, n: int, parts: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="epi-bench-") as tmp:
        workdir = Path(tmp)
        _setup_django(workdir)
        event, trainer = _seed(n)
        if mode in ("naive", "grouped"):
            from certificates import pdf
            from certificates.services.certificates import CHUNK_SIZE

            warm_up = _warm_up()
            certificates = _certificates_for(event, n)
            ready_rss = _current_rss_mib()
            cpu = _cpu_seconds()
            started = time.perf_counter()
            if mode == "naive":
                files = [pdf.certificate_pdf(c) for c in certificates]
            else:
                files = []
                for i in range(0, n, CHUNK_SIZE):
                    files.extend(pdf.certificates_pdfs(certificates[i:i + CHUNK_SIZE]))
            elapsed = time.perf_counter() - started
            assert len(files) == n
            peaks = [{"ready_rss_mib": round(ready_rss, 1), "peak_rss_mib": round(_rss_mib(), 1),
                      "cpu_seconds": _cpu_seconds() - cpu, "warm_up_seconds": warm_up}]
        else:
            from django.db import connections

            from certificates.models import Certificate, CertificateBatch

            batch = CertificateBatch.objects.create(event=event, created_by=trainer, total=n, parts=parts)
            connections.close_all()
            procs = [
                subprocess.Popen(
                    [sys.executable, __file__, "--part-worker", os.environ["DATABASE_URL"], str(workdir / "media"),
                     str(batch.pk), str(part), str(parts)],
                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT,
                )
                for part in range(parts)
            ]
            for proc in procs:
                assert proc.stdout.readline().strip() == "ready"
            started = time.perf_counter()
            for proc in procs:
                proc.stdin.write("go\n")
                proc.stdin.flush()
            outputs = [proc.communicate()[0] for proc in procs]
            elapsed = time.perf_counter() - started
            assert all(proc.returncode == 0 for proc in procs), outputs
            peaks = [json.loads(out.strip().splitlines()[-1]) for out in outputs]
            batch.refresh_from_db()
            issued = Certificate.objects.filter(batch=batch).count()
            assert (issued, batch.status) == (n, CertificateBatch.Status.DONE), (issued, batch.status)
        return {
            "mode": mode, "variant": _bench_variant(), "n": n, "parts": parts, "seconds": round(elapsed, 2), "per_second": round(n / elapsed, 1),
            "peak_rss_mib": max(p["peak_rss_mib"] for p in peaks),
            "growth_mib": max(p["peak_rss_mib"] - p["ready_rss_mib"] for p in peaks),
            "cpu_ms_per_cert": round(sum(p["cpu_seconds"] for p in peaks) * 1000 / n, 1),
            "warm_up_seconds": round(max(p["warm_up_seconds"] for p in peaks), 2),
        }


def _run(mode: str, n: int, parts: int = 1, variant: str = "plain") -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--worker", mode, "--n", str(n), "--parts", str(parts)],
        check=True, capture_output=True, text=True, cwd=ROOT, env={**os.environ, "EPI_BENCH_VARIANT": variant},
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker", choices=["bulk", "grouped", "naive"])
    parser.add_argument("--part-worker", nargs=5, metavar=("DB", "MEDIA", "BATCH", "PART", "PARTS"))
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--parts", type=int, default=1)
    parser.add_argument("--sizes", default="100,200", help="group sizes for the bulk path")
    parser.add_argument("--naive", type=int, default=50, help="certificates for the PDF-only measurements")
    parser.add_argument("--variants", default="plain,credential,sealed", help="bulk variants to measure")
    args = parser.parse_args()
    if args.part_worker:
        db, media, batch_id, part, parts = args.part_worker
        part_worker(db, media, int(batch_id), int(part), int(parts))
        return
    if args.worker:
        print(json.dumps(worker(args.worker, args.n, args.parts)))
        return

    sizes = sorted(int(s) for s in args.sizes.split(","))
    variants = [v for v in args.variants.split(",") if v]
    results = [_run("bulk", n, parts, variant) for variant in variants for n in sizes for parts in (1, 2)]
    results.append(_run("grouped", args.naive))
    results.append(_run("naive", args.naive))
    load = os.getloadavg()[0]
    print(f"{'path':<6} {'variant':<10} {'procs':>5} {'certs':>6} {'seconds':>8} {'certs/s':>8} {'CPU ms/cert':>12} "
          f"{'idle 2-core certs/s':>20} {'peak RSS MiB':>13} {'growth MiB':>11}")
    for r in results:
        # What the same CPU work gives when the machine's cores are not shared with anything else.
        idle = min(r["parts"], os.cpu_count() or 1) * 1000 / r["cpu_ms_per_cert"]
        print(f"{r['mode']:<6} {r['variant']:<10} {r['parts']:>5} {r['n']:>6} {r['seconds']:>8} {r['per_second']:>8} "
              f"{r['cpu_ms_per_cert']:>12} {idle:>20.1f} {r['peak_rss_mib']:>13} {r['growth_mib']:>11.1f}")
    naive, grouped = results[-1], results[-2]
    print(f"PDF layout, grouped vs naive: {grouped['per_second'] / naive['per_second']:.1f}x faster, "
          f"{naive['cpu_ms_per_cert'] / grouped['cpu_ms_per_cert']:.1f}x less CPU per certificate")
    for variant in variants:
        for parts in (1, 2):
            by_size = {r["n"]: r for r in results if r["mode"] == "bulk" and r["parts"] == parts
                       and r["variant"] == variant}
            print(f"peak RSS per worker, {variant}, {parts} process(es): "
                  + ", ".join(f"{n} participants {by_size[n]['peak_rss_mib']} MiB" for n in sizes))
    warm = max(r["warm_up_seconds"] for r in results)
    print(f"a fresh worker process first spends up to {warm} s finding fonts and compiling templates "
          "(not timed above)")
    print(f"load average during the run: {load:.2f} on {os.cpu_count()} cores (other work slows every figure)")
    targets = {"plain": 40, "credential": 35, "sealed": 20}
    largest = max(sizes)
    print(f"summary, {largest} participants in 2 processes (wall: what this run got; CPU: the issuing loop's "
          "process time, user + system, of both workers):")
    for variant in variants:
        r = next(r for r in results if r["mode"] == "bulk" and r["variant"] == variant and r["parts"] == 2
                 and r["n"] == largest)
        idle = min(2, os.cpu_count() or 1) * 1000 / r["cpu_ms_per_cert"]
        target = targets.get(variant)
        print(f"  {variant:<10} wall {r['per_second']:>5} certs/s   CPU {r['cpu_ms_per_cert']:>5} ms/cert -> "
              f"{idle:.1f} certs/s on 2 idle cores" + (f" (target {target}/s)" if target else ""))
    print("targets on 2 cores: plain >= 40/s, credential >= 35/s, sealed >= 20/s; memory flat in the group size")


if __name__ == "__main__":
    main()
