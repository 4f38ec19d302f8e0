"""Fill an empty site with the seven EPI cities, their people and a programme of events.

Safe to run again: rows are found by natural keys (a city's slug, a user's email, an event's
city and title) and only written when they differ from the seed, so a second run changes and
duplicates nothing. Event dates are set when an event is first created, relative to that day;
later runs leave existing sessions where they are (they may have been moved or registered for).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand
from django.db import models, transaction
from django.utils import timezone

from accounts.models import User
from events.models import City, CityMembership, Event, Registration
from events.services import events as event_services
from outbox.background import background_wait

DEMO_PASSWORD = "epi-demo-2026"
DEMO_DOMAIN = "demo.epi-events.eu"
ADMIN_EMAIL = f"admin@{DEMO_DOMAIN}"
ONLINE_URL = "https://meet.epi-events.eu/{slug}-coordination"
# The one demo event in the past, with attendance taken and certificates issued.
FINISHED_TRAINING_TITLE = "Starpkultūru kompetence pašvaldības darbiniekiem: pilotgrupa"


# People ------------------------------------------------------------------------------------------

TRAINERS = [
    (f"trainer.amira@{DEMO_DOMAIN}", "Amira El-Khatib", "en"),
    (f"trainer.nikos@{DEMO_DOMAIN}", "Nikolaos Papadakis", "es"),
]

# Names in many scripts, so pages, exports and certificates meet them early.
PARTICIPANTS = [
    ("José Ángel Muñoz Peña", "es"),
    ("Sven-Åke Öberg", "sv"),
    ("Małgorzata Łęcka-Żółtowska", "en"),
    ("Ștefan Țurcanu", "en"),
    ("Jānis Ozoliņš", "en"),
    ("Günther Straßmann", "en"),
    ("Chiara D'Annunzio Bellè", "es"),
    ("Ελένη Παπαδοπούλου", "en"),
    ("Олена Шевченко", "sv"),
    ("فاطمة الزهراء بن علي", "es"),
    ("Nguyễn Thị Hương", "sv"),
    ("Chloé Ndiaye-Lefèvre", "en"),
]


# Texts per language ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Texts:
    launch_title: str
    launch_summary: str
    launch_description: str
    coordination_title: str  # %(n)d
    coordination_summary: str
    online_note: str
    training_title: str  # %(group)s
    training_summary_staff: str
    training_summary_open: str
    training_description: str
    modules: tuple[str, str, str, str]
    workshop_title: str
    workshop_summary: str
    workshop_description: str


TEXTS: dict[str, Texts] = {
    "es": Texts(
        launch_title="Presentación de la estrategia local de integración",
        launch_summary="Evento de lanzamiento: las principales acciones de la estrategia, explicadas a toda la ciudad.",
        launch_description=(
            "Presentamos la estrategia de integración de la ciudad y sus tres áreas: **interacción**, "
            "**participación** y **gobernanza**.\n\n"
            "- Qué acciones piloto pondremos en marcha y con quién\n"
            "- Cómo participar en el pacto de integración de la ciudad\n"
            "- Turno abierto de preguntas\n\n"
            "Entrada libre con inscripción previa. Habrá interpretación al árabe y al inglés."
        ),
        coordination_title="Órgano de coordinación: reunión %(n)d",
        coordination_summary="Personal municipal, socios técnicos y personas expertas revisan la implementación.",
        online_note="El enlace se envía a las personas inscritas el día anterior.",
        training_title="Formación en competencias interculturales (grupo %(group)s)",
        training_summary_staff="Para el personal técnico municipal; las plazas se confirman tras revisar la solicitud.",
        training_summary_open="Abierta a entidades sociales, asociaciones y voluntariado.",
        training_description=(
            "Una formación práctica para construir una narrativa y competencias interculturales "
            "en la atención diaria a la ciudadanía.\n\n"
            "Se entrega un certificado a quien asista al menos al 75 % de las sesiones."
        ),
        modules=(
            "Módulo 1: cultura e identidad",
            "Módulo 2: prejuicios y estereotipos",
            "Módulo 3: comunicación intercultural",
            "Módulo 4: de la práctica a las políticas",
        ),
        workshop_title="Mesa redonda: participación de las comunidades migrantes",
        workshop_summary="Cómo garantizar que todas las personas participen en las decisiones del barrio.",
        workshop_description=(
            "Asociaciones vecinales, comunidades migrantes y personal municipal comparten experiencias "
            "de participación y proponen medidas para el pacto de integración."
        ),
    ),
    "sv": Texts(
        launch_title="Lansering av den lokala integrationsstrategin",
        launch_summary="Lanseringsevenemang: strategins viktigaste åtgärder, presenterade för hela staden.",
        launch_description=(
            "Vi presenterar stadens integrationsstrategi och dess tre områden: **interaktion**, "
            "**deltagande** och **styrning**.\n\n"
            "- Vilka pilotåtgärder vi startar, och tillsammans med vem\n"
            "- Hur du kan bli en del av stadens integrationspakt\n"
            "- Öppna frågor\n\n"
            "Fri entré, anmälan krävs. Tolkning till arabiska och engelska finns."
        ),
        coordination_title="Samordningsorganet: möte %(n)d",
        coordination_summary="Kommunala tjänstepersoner, tekniska partner och experter följer upp genomförandet.",
        online_note="Länken skickas till anmälda deltagare dagen före mötet.",
        training_title="Utbildning i interkulturell kompetens (grupp %(group)s)",
        training_summary_staff="För kommunens tjänstepersoner; platserna bekräftas efter granskning av anmälan.",
        training_summary_open="Öppen för civilsamhället, föreningar och volontärer.",
        training_description=(
            "En praktisk utbildning som bygger interkulturell kompetens i det dagliga mötet med "
            "stadens invånare.\n\n"
            "Intyg utfärdas till den som deltar i minst 75 % av tillfällena."
        ),
        modules=(
            "Modul 1: kultur och identitet",
            "Modul 2: fördomar och stereotyper",
            "Modul 3: interkulturell kommunikation",
            "Modul 4: från praktik till policy",
        ),
        workshop_title="Rundabordssamtal: deltagande för alla invånare",
        workshop_summary="Hur säkerställer vi att alla medborgare kan delta i den politiska agendan?",
        workshop_description=(
            "Föreningar, civilsamhälle, näringsliv och kommunanställda delar erfarenheter och "
            "föreslår åtgärder till stadens integrationspakt."
        ),
    ),
    "de": Texts(
        launch_title="Auftakt der lokalen Integrationsstrategie",
        launch_summary="Auftaktveranstaltung: die wichtigsten Maßnahmen der Strategie für die ganze Stadt vorgestellt.",
        launch_description=(
            "Wir stellen die Integrationsstrategie der Stadt und ihre drei Bereiche vor: **Begegnung**, "
            "**Teilhabe** und **Steuerung**.\n\n"
            "- Welche Pilotmaßnahmen wir starten und mit wem\n"
            "- Wie Sie sich am Integrationspakt der Stadt beteiligen können\n"
            "- Offene Fragerunde\n\n"
            "Eintritt frei, Anmeldung erforderlich. Verdolmetschung ins Arabische und Türkische."
        ),
        coordination_title="Koordinierungsgremium: Sitzung %(n)d",
        coordination_summary="Verwaltung, Fachpartner und Fachleute begleiten die Umsetzung der Strategie.",
        online_note="Den Link erhalten angemeldete Teilnehmende am Vortag per E-Mail.",
        training_title="Training interkulturelle Kompetenz (Gruppe %(group)s)",
        training_summary_staff="Für Beschäftigte der Stadtverwaltung; Plätze werden nach Prüfung bestätigt.",
        training_summary_open="Offen für Vereine, Initiativen und Ehrenamtliche.",
        training_description=(
            "Ein praxisnahes Training, das interkulturelle Kompetenz im täglichen Kontakt mit den "
            "Bürgerinnen und Bürgern stärkt.\n\n"
            "Eine Teilnahmebescheinigung erhält, wer mindestens 75 % der Termine besucht."
        ),
        modules=(
            "Modul 1: Kultur und Identität",
            "Modul 2: Vorurteile und Stereotype",
            "Modul 3: Interkulturelle Kommunikation",
            "Modul 4: Von der Praxis zur Politik",
        ),
        workshop_title="Runder Tisch: Teilhabe von Migrantenorganisationen",
        workshop_summary="Wie alle Menschen in Dietzenbach an Entscheidungen mitwirken können.",
        workshop_description=(
            "Migrantenorganisationen, Nachbarschaftsinitiativen und Verwaltung tauschen Erfahrungen aus "
            "und schlagen Maßnahmen für den Integrationspakt vor."
        ),
    ),
    "it": Texts(
        launch_title="Presentazione della strategia locale per l'integrazione",
        launch_summary="Evento di lancio: le principali azioni della strategia, presentate a tutta la città.",
        launch_description=(
            "Presentiamo la strategia di integrazione della città e le sue tre aree: **interazione**, "
            "**partecipazione** e **governance**.\n\n"
            "- Quali azioni pilota avvieremo e con chi\n"
            "- Come aderire al patto cittadino per l'integrazione\n"
            "- Spazio aperto alle domande\n\n"
            "Ingresso libero con iscrizione. È prevista l'interpretazione in arabo e in inglese."
        ),
        coordination_title="Organo di coordinamento: riunione %(n)d",
        coordination_summary="Personale comunale, partner tecnici ed esperti seguono l'attuazione della strategia.",
        online_note="Il link viene inviato agli iscritti il giorno prima.",
        training_title="Formazione sulle competenze interculturali (gruppo %(group)s)",
        training_summary_staff="Per il personale comunale; i posti sono confermati dopo la valutazione della domanda.",
        training_summary_open="Aperta a enti del terzo settore, associazioni e volontariato.",
        training_description=(
            "Una formazione pratica per sviluppare competenze interculturali nel lavoro quotidiano "
            "con la cittadinanza.\n\n"
            "L'attestato è rilasciato a chi partecipa ad almeno il 75 % degli incontri."
        ),
        modules=(
            "Modulo 1: cultura e identità",
            "Modulo 2: pregiudizi e stereotipi",
            "Modulo 3: comunicazione interculturale",
            "Modulo 4: dalla pratica alle politiche",
        ),
        workshop_title="Tavola rotonda: la partecipazione delle comunità migranti",
        workshop_summary="Come garantire che tutte e tutti partecipino alle scelte della città.",
        workshop_description=(
            "Associazioni, comunità migranti e personale comunale condividono esperienze di "
            "partecipazione e propongono misure per il patto cittadino."
        ),
    ),
    "pl": Texts(
        launch_title="Inauguracja lokalnej strategii integracji",
        launch_summary="Wydarzenie inaugurujące: najważniejsze działania strategii przedstawione mieszkańcom.",
        launch_description=(
            "Przedstawiamy miejską strategię integracji i jej trzy obszary: **interakcję**, "
            "**partycypację** i **zarządzanie**.\n\n"
            "- Jakie działania pilotażowe uruchamiamy i z kim\n"
            "- Jak przyłączyć się do miejskiego paktu na rzecz integracji\n"
            "- Pytania z sali\n\n"
            "Wstęp wolny po rejestracji. Zapewniamy tłumaczenie na język ukraiński i angielski."
        ),
        coordination_title="Ciało koordynujące: posiedzenie %(n)d",
        coordination_summary="Pracownicy urzędu, partnerzy techniczni i eksperci nadzorują wdrażanie strategii.",
        online_note="Link wysyłamy zarejestrowanym uczestnikom dzień wcześniej.",
        training_title="Szkolenie z kompetencji międzykulturowych (grupa %(group)s)",
        training_summary_staff="Dla pracowników urzędu miasta; miejsca potwierdzamy po rozpatrzeniu zgłoszenia.",
        training_summary_open="Otwarte dla organizacji pozarządowych, stowarzyszeń i wolontariuszy.",
        training_description=(
            "Praktyczne szkolenie rozwijające kompetencje międzykulturowe w codziennej pracy z "
            "mieszkańcami.\n\n"
            "Zaświadczenie otrzymuje osoba obecna na co najmniej 75 % spotkań."
        ),
        modules=(
            "Moduł 1: kultura i tożsamość",
            "Moduł 2: uprzedzenia i stereotypy",
            "Moduł 3: komunikacja międzykulturowa",
            "Moduł 4: od praktyki do polityki",
        ),
        workshop_title="Okrągły stół: udział społeczności migranckich",
        workshop_summary="Jak sprawić, by wszyscy mieszkańcy mieli wpływ na decyzje miasta.",
        workshop_description=(
            "Organizacje pozarządowe, społeczności migranckie i urzędnicy dzielą się doświadczeniami "
            "i proponują działania do miejskiego paktu na rzecz integracji."
        ),
    ),
    "ro": Texts(
        launch_title="Lansarea strategiei locale de integrare",
        launch_summary="Eveniment de lansare: principalele acțiuni ale strategiei, prezentate întregului oraș.",
        launch_description=(
            "Prezentăm strategia de integrare a orașului și cele trei domenii ale sale: **interacțiune**, "
            "**participare** și **guvernanță**.\n\n"
            "- Ce acțiuni-pilot lansăm și împreună cu cine\n"
            "- Cum vă puteți alătura pactului local pentru integrare\n"
            "- Sesiune deschisă de întrebări\n\n"
            "Intrarea este liberă, cu înscriere prealabilă. Asigurăm traducere în engleză și arabă."
        ),
        coordination_title="Organismul de coordonare: întâlnirea %(n)d",
        coordination_summary="Personalul primăriei, partenerii tehnici și experții urmăresc implementarea strategiei.",
        online_note="Linkul este trimis participanților înscriși cu o zi înainte.",
        training_title="Curs de competențe interculturale (grupa %(group)s)",
        training_summary_staff="Pentru personalul primăriei; locurile se confirmă după analiza cererii.",
        training_summary_open="Deschis organizațiilor neguvernamentale, asociațiilor și voluntarilor.",
        training_description=(
            "Un curs practic care dezvoltă competențe interculturale în relația zilnică cu "
            "cetățenii.\n\n"
            "Certificatul se acordă celor care participă la cel puțin 75 % din sesiuni."
        ),
        modules=(
            "Modulul 1: cultură și identitate",
            "Modulul 2: prejudecăți și stereotipuri",
            "Modulul 3: comunicare interculturală",
            "Modulul 4: de la practică la politici publice",
        ),
        workshop_title="Masă rotundă: participarea comunităților de migranți",
        workshop_summary="Cum ne asigurăm că toți locuitorii participă la deciziile orașului.",
        workshop_description=(
            "Asociații, comunități de migranți și personalul primăriei împărtășesc experiențe de "
            "participare și propun măsuri pentru pactul local de integrare."
        ),
    ),
    "lv": Texts(
        launch_title="Vietējās integrācijas stratēģijas atklāšana",
        launch_summary="Atklāšanas pasākums: stratēģijas galvenās darbības, ko iepazīstinām visai pilsētai.",
        launch_description=(
            "Iepazīstinām ar pilsētas integrācijas stratēģiju un tās trim jomām: **mijiedarbība**, "
            "**līdzdalība** un **pārvaldība**.\n\n"
            "- Kādas izmēģinājuma darbības uzsāksim un ar ko kopā\n"
            "- Kā pievienoties pilsētas integrācijas paktam\n"
            "- Atvērtā jautājumu daļa\n\n"
            "Ieeja brīva, iepriekš reģistrējoties. Nodrošināsim tulkojumu angļu un ukraiņu valodā."
        ),
        coordination_title="Koordinācijas padome: %(n)d. sanāksme",
        coordination_summary="Pašvaldības darbinieki, tehniskie partneri un eksperti uzrauga stratēģijas īstenošanu.",
        online_note="Saiti reģistrētajiem dalībniekiem nosūtīsim dienu iepriekš.",
        training_title="Starpkultūru kompetenču apmācība (%(group)s grupa)",
        training_summary_staff="Pašvaldības darbiniekiem; vietas apstiprina pēc pieteikuma izvērtēšanas.",
        training_summary_open="Atvērta nevalstiskajām organizācijām, biedrībām un brīvprātīgajiem.",
        training_description=(
            "Praktiska apmācība, kas stiprina starpkultūru kompetences ikdienas darbā ar "
            "iedzīvotājiem.\n\n"
            "Apliecību saņem tie, kas apmeklē vismaz 75 % nodarbību."
        ),
        modules=(
            "1. modulis: kultūra un identitāte",
            "2. modulis: aizspriedumi un stereotipi",
            "3. modulis: starpkultūru komunikācija",
            "4. modulis: no prakses līdz politikai",
        ),
        workshop_title="Apaļā galda diskusija: imigrantu kopienu līdzdalība",
        workshop_summary="Kā panākt, lai visi iedzīvotāji var piedalīties pilsētas lēmumos.",
        workshop_description=(
            "Biedrības, imigrantu kopienas un pašvaldības darbinieki dalās pieredzē un iesaka "
            "pasākumus pilsētas integrācijas paktam."
        ),
    ),
}


# Cities ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Venue:
    name: str
    address: str
    latitude: str
    longitude: str
    rooms: tuple[str, ...] = ()


@dataclass(frozen=True)
class CitySeed:
    slug: str
    name: str
    country: str
    timezone: str
    language: str
    organizer_name: str
    organizer_language: str
    narrative: str
    town_hall: Venue
    centre: Venue
    pilot_title: str
    pilot_summary: str
    pilot_description: str
    signatory_name: str = ""
    signatory_title: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


CITIES: list[CitySeed] = [
    CitySeed(
        slug="cartagena",
        name="Cartagena",
        country="ES",
        timezone="Europe/Madrid",
        language="es",
        organizer_name="María José Sánchez Ortega",
        organizer_language="es",
        narrative="""\
Cartagena forma parte del **Pacto Europeo para la Integración (EPI)** y construye su estrategia local
de integración en tres áreas, elegidas por su importancia para mejorar el grado general de integración:

1. **Interacción**: generar espacios y oportunidades para una mayor interacción y cooperación entre
   personas de orígenes culturales diversos, generando confianza y cohesión, y así aprovechar el
   potencial creativo de la diversidad.
2. **Participación**: estimular la participación activa de las comunidades locales en la formulación
   de políticas, garantizando la participación de toda la ciudadanía.
3. **Gobernanza**: hacer de la integración de las personas migrantes una prioridad de la agenda
   municipal y construir una narrativa y competencias interculturales entre el personal técnico.

## Características clave

- **Compromiso político**: liderar estrategias que adopten el valor de la diversidad y asignen los
  recursos adecuados.
- **Participación**: las acciones se diseñan y desarrollan junto con el personal municipal, las
  entidades locales y las comunidades.
- **Narrativa**: la ciudad explica sus desafíos, objetivos y actividades a un público amplio.
- **Evaluación**: construimos la base de evidencia que necesitan las iniciativas de éxito.
- **Sostenibilidad**: las acciones están concebidas para durar a largo plazo.

## Próximos pasos

Un **órgano de coordinación** formado por personal municipal, socios técnicos y personas expertas
lidera y supervisa la estrategia; un **evento de lanzamiento** comparte las principales acciones; y el
**pacto de integración de la ciudad** pone en marcha las acciones piloto y garantiza su continuidad.
""",
        town_hall=Venue(
            "Palacio Consistorial", "Plaza del Ayuntamiento, 1, 30201 Cartagena", "37.598583", "-0.985944",
            ("Salón de Plenos", "Sala de Comisiones"),
        ),
        centre=Venue(
            "Centro Cultural Ramón Alonso Luzzy", "Calle Jacinto Benavente, 7, 30203 Cartagena",
            "37.602778", "-0.978611", ("Aula 1", "Aula 2"),
        ),
        pilot_title="Paseos interculturales por el barrio de Lo Campano",
        pilot_summary="Vecinas y vecinos de distintos orígenes descubren juntos la historia del barrio.",
        pilot_description=(
            "Una acción piloto de **interacción**: recorridos guiados por personas del barrio, "
            "con merienda compartida al final. Apta para familias."
        ),
        signatory_name="Noelia Arroyo Hernández",
        signatory_title="Alcaldesa de Cartagena",
    ),
    CitySeed(
        slug="cluj-napoca",
        name="Cluj-Napoca",
        country="RO",
        timezone="Europe/Bucharest",
        language="ro",
        organizer_name="Ana-Maria Ștefănescu",
        organizer_language="en",
        narrative="""\
Cluj-Napoca face parte din **Pactul European pentru Integrare (EPI)** și își construiește strategia
locală de integrare în trei domenii:

1. **Interacțiune**: spații și ocazii de cooperare între oameni cu origini culturale diferite, care
   creează încredere și coeziune și valorifică potențialul creativ al diversității.
2. **Participare**: implicarea activă a comunităților locale în elaborarea politicilor publice,
   astfel încât toți cetățenii să aibă un cuvânt de spus.
3. **Guvernanță**: integrarea migranților devine o prioritate pe agenda orașului, iar personalul
   primăriei își dezvoltă competențele interculturale.

## Principii

**Angajament politic**, **participare**, **o narațiune clară** despre provocări și obiective,
**evaluare** bazată pe date și **sustenabilitate** pe termen lung.

## Pașii următori

Un **organism de coordonare** format din personalul primăriei, parteneri tehnici și experți conduce
strategia; un **eveniment de lansare** prezintă acțiunile principale; **pactul local pentru
integrare** pune în practică acțiunile-pilot și le asigură continuitatea.
""",
        town_hall=Venue(
            "Primăria Cluj-Napoca", "Strada Moților 1-3, 400001 Cluj-Napoca", "46.768719", "23.586911",
            ("Sala de consiliu", "Sala Ferdinand"),
        ),
        centre=Venue(
            "Casa de Cultură a Studenților", "Piața Lucian Blaga 1-3, 400098 Cluj-Napoca", "46.767530", "23.591750",
            ("Sala Studio",),
        ),
        pilot_title="Atelier de gătit împreună: bucătării ale lumii",
        pilot_summary="Locuitori vechi și noi gătesc și mănâncă împreună, în cartierul Mărăști.",
        pilot_description="O acțiune-pilot de **interacțiune**: rețete aduse de participanți, masă comună.",
    ),
    CitySeed(
        slug="dietzenbach",
        name="Dietzenbach",
        country="DE",
        timezone="Europe/Berlin",
        language="de",
        organizer_name="Jürgen Weiß",
        organizer_language="en",
        narrative="""\
Dietzenbach ist Teil des **Europäischen Pakts für Integration (EPI)**. Unsere lokale
Integrationsstrategie setzt in drei Bereichen an:

1. **Begegnung**: Räume und Gelegenheiten für Austausch und Zusammenarbeit zwischen Menschen
   unterschiedlicher Herkunft, die Vertrauen und Zusammenhalt schaffen.
2. **Teilhabe**: Die Stadtgesellschaft wirkt aktiv an der Gestaltung der Politik mit, damit alle
   Bürgerinnen und Bürger demokratisch beteiligt sind.
3. **Steuerung**: Integration wird zu einem Schwerpunkt der Stadtpolitik; die Verwaltung baut
   interkulturelle Kompetenz auf.

## Leitlinien

**Politische Verantwortung**, **Beteiligung**, eine verständliche **Erzählung** über
Herausforderungen und Ziele, **Evaluation** auf Grundlage von Daten und **Nachhaltigkeit**.

## Nächste Schritte

Ein **Koordinierungsgremium** aus Verwaltung, Fachpartnern und Fachleuten steuert die Umsetzung;
eine **Auftaktveranstaltung** stellt die Maßnahmen vor; der **Integrationspakt der Stadt**
verankert die Pilotmaßnahmen dauerhaft.
""",
        town_hall=Venue(
            "Rathaus Dietzenbach", "Europaplatz 1, 63128 Dietzenbach", "50.008690", "8.777050",
            ("Sitzungssaal", "Raum 2.14"),
        ),
        centre=Venue(
            "Bürgerhaus Dietzenbach", "Offenbacher Straße 11, 63128 Dietzenbach", "50.012720", "8.784330",
            ("Großer Saal", "Clubraum"),
        ),
        pilot_title="Nachbarschaftsgarten am Starkenburgring",
        pilot_summary="Gemeinsam gärtnern, Sprachen üben und Nachbarn kennenlernen.",
        pilot_description="Eine Pilotmaßnahme für **Begegnung**: Beete anlegen, Saatgut tauschen, zusammen essen.",
    ),
    CitySeed(
        slug="linkoping",
        name="Linköping",
        country="SE",
        timezone="Europe/Stockholm",
        language="sv",
        organizer_name="Åsa Lindqvist",
        organizer_language="sv",
        narrative="""\
Linköping är en del av **Europeiska pakten för integration (EPI)**. Den lokala strategin är
uppbyggd kring tre områden, valda för att förbättra den övergripande integrationen:

1. **Interaktion**: skapa möjligheter för interaktion och samskapande mellan människor med olika
   kulturella ursprung och bakgrund, för att bygga förtroende och sammanhållning och därigenom
   förverkliga mångfaldens kreativa potential.
2. **Deltagande**: stimulera engagemang i lokalsamhället i utformningen av den politiska agendan,
   för att säkerställa demokratiskt deltagande från alla medborgare.
3. **Styrning**: göra integration till en nyckelfråga på stadens dagordning genom att bygga
   interkulturell kompetens bland kommunala tjänstepersoner.

## Huvudsakliga drag i strategin

- **Politiskt åtagande**: ledarskap som ser värdet av mångfald och säkerställer resurser.
- **Deltagande**: åtgärder utformas tillsammans av kommunanställda, civilsamhället och näringslivet.
- **Narrativ**: staden kan förklara sina utmaningar och hur de ska mötas.
- **Utvärdering**: datainsamling ger underlag för framgångsrika initiativ.
- **Hållbarhet**: åtgärderna ska hålla över tid.

## Nästa steg

**Samordningsorganet** av tjänstepersoner, tekniska partner och experter leder och övervakar
arbetet; ett **lanseringsevenemang** sprider kunskap om åtgärderna; och **stadens integrationspakt**
genomför pilotåtgärderna och säkrar att de blir hållbara.
""",
        town_hall=Venue(
            "Stadshuset", "Stora Torget 1, 582 19 Linköping", "58.410460", "15.621560",
            ("Kommunfullmäktigesalen", "Rum Tinnerbäcken"),
        ),
        centre=Venue(
            "Linköpings stadsbibliotek", "Östgötagatan 5, 582 32 Linköping", "58.409780", "15.625040",
            ("Hörsalen", "Studierum 3"),
        ),
        pilot_title="Språkcafé och läxhjälp i Skäggetorp",
        pilot_summary="Träffa nya grannar, öva svenska och få hjälp med läxorna.",
        pilot_description="En pilotåtgärd för **interaktion** tillsammans med föreningslivet i Skäggetorp.",
    ),
    CitySeed(
        slug="lublin",
        name="Lublin",
        country="PL",
        timezone="Europe/Warsaw",
        language="pl",
        organizer_name="Łucja Wiśniewska",
        organizer_language="en",
        narrative="""\
Lublin należy do **Europejskiego Paktu na rzecz Integracji (EPI)**. Nasza lokalna strategia
integracji obejmuje trzy obszary:

1. **Interakcja**: przestrzenie i okazje do spotkań i współpracy osób o różnym pochodzeniu
   kulturowym, które budują zaufanie i spójność oraz uwalniają twórczy potencjał różnorodności.
2. **Partycypacja**: aktywny udział społeczności lokalnych w tworzeniu polityk miejskich, tak aby
   każdy mieszkaniec mógł zabrać głos.
3. **Zarządzanie**: integracja migrantów jako priorytet miasta oraz kompetencje międzykulturowe
   pracowników urzędu.

## Zasady

**Zaangażowanie polityczne**, **partycypacja**, jasna **narracja** o wyzwaniach i celach,
**ewaluacja** oparta na danych i **trwałość** działań.

## Kolejne kroki

**Ciało koordynujące** złożone z pracowników urzędu, partnerów technicznych i ekspertów kieruje
strategią; **wydarzenie inaugurujące** przedstawia główne działania; **miejski pakt na rzecz
integracji** wdraża działania pilotażowe i zapewnia ich trwałość.
""",
        town_hall=Venue(
            "Ratusz Miasta Lublin", "Plac Króla Władysława Łokietka 1, 20-109 Lublin", "51.248140", "22.563520",
            ("Sala Obrad", "Sala Błękitna"),
        ),
        centre=Venue(
            "Centrum Spotkania Kultur", "Plac Teatralny 1, 20-029 Lublin", "51.246810", "22.549440",
            ("Sala Seminaryjna",),
        ),
        pilot_title="Wspólne sprzątanie i piknik sąsiedzki na Czechowie",
        pilot_summary="Mieszkańcy z Polski, Ukrainy i Białorusi razem dbają o swoje podwórko.",
        pilot_description="Działanie pilotażowe z obszaru **interakcji**: sprzątanie, gry dla dzieci, wspólny posiłek.",
    ),
    CitySeed(
        slug="ravenna",
        name="Ravenna",
        country="IT",
        timezone="Europe/Rome",
        language="it",
        organizer_name="Giulia Ferrari",
        organizer_language="en",
        narrative="""\
Ravenna fa parte del **Patto europeo per l'integrazione (EPI)** e costruisce la propria strategia
locale in tre aree:

1. **Interazione**: spazi e occasioni di incontro e cooperazione tra persone di origini culturali
   diverse, per generare fiducia e coesione e valorizzare il potenziale creativo della diversità.
2. **Partecipazione**: coinvolgere attivamente le comunità locali nella definizione delle politiche,
   garantendo la partecipazione di tutte le cittadine e di tutti i cittadini.
3. **Governance**: fare dell'integrazione una priorità dell'agenda cittadina e sviluppare
   competenze interculturali tra il personale comunale.

## Caratteristiche principali

**Impegno politico**, **partecipazione**, una **narrazione** chiara di sfide e obiettivi,
**valutazione** basata sui dati e **sostenibilità** nel tempo.

## Prossimi passi

Un **organo di coordinamento** composto da personale comunale, partner tecnici ed esperti guida la
strategia; un **evento di lancio** presenta le azioni principali; il **patto cittadino per
l'integrazione** avvia le azioni pilota e ne garantisce la continuità.
""",
        town_hall=Venue(
            "Palazzo Comunale", "Piazza del Popolo, 1, 48121 Ravenna", "44.417290", "12.199510",
            ("Sala del Consiglio", "Sala Bigari"),
        ),
        centre=Venue(
            "Biblioteca Classense", "Via Alfredo Baccarini, 3, 48121 Ravenna", "44.414990", "12.204830",
            ("Sala Muratori", "Sala Dantesca"),
        ),
        pilot_title="Mosaico di comunità: laboratorio intergenerazionale",
        pilot_summary="Giovani, anziani e nuovi cittadini realizzano insieme un mosaico per il quartiere Darsena.",
        pilot_description="Un'azione pilota di **interazione** con le scuole di mosaico della città.",
    ),
    CitySeed(
        slug="riga",
        name="Riga",
        country="LV",
        timezone="Europe/Riga",
        language="lv",
        organizer_name="Līga Bērziņa",
        organizer_language="en",
        narrative="""\
Rīga ir **Eiropas Integrācijas pakta (EPI)** dalībniece. Pilsētas integrācijas stratēģija aptver
trīs jomas:

1. **Mijiedarbība**: telpas un iespējas dažādas kultūras izcelsmes cilvēku satikšanās un sadarbībai,
   kas vairo uzticēšanos un saliedētību un atraisa daudzveidības radošo potenciālu.
2. **Līdzdalība**: vietējo kopienu aktīva iesaiste politikas veidošanā, lai katram iedzīvotājam
   būtu iespēja piedalīties.
3. **Pārvaldība**: imigrantu integrācija kļūst par pilsētas prioritāti, un pašvaldības darbinieki
   attīsta starpkultūru kompetences.

## Galvenie principi

**Politiskā apņemšanās**, **līdzdalība**, skaidrs **stāstījums** par izaicinājumiem un mērķiem,
**izvērtēšana**, balstoties uz datiem, un **ilgtspēja**.

## Nākamie soļi

**Koordinācijas padome**, kurā ir pašvaldības darbinieki, tehniskie partneri un eksperti, vada
stratēģijas īstenošanu; **atklāšanas pasākums** iepazīstina ar galvenajām darbībām; **pilsētas
integrācijas pakts** īsteno izmēģinājuma darbības un nodrošina to ilgtspēju.
""",
        town_hall=Venue(
            "Rīgas valstspilsētas pašvaldība", "Rātslaukums 1, Rīga, LV-1050", "56.947060", "24.106450",
            ("Sēžu zāle", "Zilā zāle"),
        ),
        centre=Venue(
            "Rīgas Centrālā bibliotēka", "Brīvības iela 49/53, Rīga, LV-1010", "56.955920", "24.120310",
            ("Konferenču zāle",),
        ),
        pilot_title="Kaimiņu vakari Maskavas forštatē",
        pilot_summary="Kopīgas vakariņas, mūzika un stāsti par apkaimi dažādās valodās.",
        pilot_description="**Mijiedarbības** izmēģinājuma darbība kopā ar apkaimes biedrībām.",
    ),
]


# Helpers -----------------------------------------------------------------------------------------


def _sync(instance: models.Model, values: dict[str, Any]) -> bool:
    """Set ``values`` on a saved row and write only the fields that differ; True when something changed."""
    changed = [name for name, value in values.items() if getattr(instance, name) != value]
    if not changed:
        return False
    for name in changed:
        setattr(instance, name, values[name])
    instance.save(update_fields=changed)
    return True


# Each city's own information notice (privacy.models.ConsentText, kind "notice"), in English and
# in the city's language: who processes, why, for how long, and whom to contact.
NOTICE_VERSION_DEMO = "demo-2026-1"
NOTICE_TEXTS = {
    "en": (
        "The City of {city} processes your name, email address, registration answers and attendance to run "
        "its events, issue certificates and count participation for the European Pact for Integration. "
        "Registration data is kept 12 months after the event, sensitive answers one month. Contact: {contact}."
    ),
    "es": (
        "El Ayuntamiento de {city} trata tu nombre, correo electrónico, respuestas de inscripción y asistencia "
        "para organizar sus actividades, emitir certificados y contar la participación en el Pacto Europeo para "
        "la Integración. Los datos de inscripción se conservan 12 meses tras la actividad; las respuestas "
        "sensibles, un mes. Contacto: {contact}."
    ),
    "ro": (
        "Primăria {city} prelucrează numele, adresa de e-mail, răspunsurile la înscriere și prezența ta pentru a "
        "organiza evenimentele, a emite certificate și a număra participarea la Pactul European pentru Integrare. "
        "Datele de înscriere se păstrează 12 luni după eveniment, răspunsurile sensibile o lună. Contact: {contact}."
    ),
    "de": (
        "Die Stadt {city} verarbeitet deinen Namen, deine E-Mail-Adresse, Antworten bei der Anmeldung und deine "
        "Teilnahme, um ihre Veranstaltungen durchzuführen, Bescheinigungen auszustellen und die Teilnahme am "
        "Europäischen Pakt für Integration zu zählen. Anmeldedaten werden 12 Monate nach der Veranstaltung "
        "gelöscht, sensible Antworten nach einem Monat. Kontakt: {contact}."
    ),
    "sv": (
        "{city} kommun behandlar ditt namn, din e-postadress, dina svar vid anmälan och din närvaro för att "
        "genomföra sina evenemang, utfärda intyg och räkna deltagandet i den europeiska integrationspakten. "
        "Anmälningsuppgifter sparas i 12 månader efter evenemanget, känsliga svar i en månad. Kontakt: {contact}."
    ),
    "pl": (
        "Miasto {city} przetwarza Twoje imię i nazwisko, adres e-mail, odpowiedzi z rejestracji i obecność, aby "
        "prowadzić wydarzenia, wystawiać zaświadczenia i liczyć udział w Europejskim Pakcie na rzecz Integracji. "
        "Dane rejestracji przechowujemy 12 miesięcy po wydarzeniu, odpowiedzi wrażliwe miesiąc. Kontakt: {contact}."
    ),
    "it": (
        "Il Comune di {city} tratta il tuo nome, indirizzo e-mail, risposte all'iscrizione e presenze per "
        "organizzare i suoi eventi, rilasciare attestati e contare la partecipazione al Patto europeo per "
        "l'integrazione. I dati di iscrizione sono conservati 12 mesi dopo l'evento, le risposte sensibili un "
        "mese. Contatto: {contact}."
    ),
    "lv": (
        "{city} pašvaldība apstrādā tavu vārdu, e-pasta adresi, reģistrācijas atbildes un apmeklējumu, lai "
        "rīkotu pasākumus, izsniegtu apliecības un uzskaitītu dalību Eiropas Integrācijas paktā. Reģistrācijas "
        "dati tiek glabāti 12 mēnešus pēc pasākuma, sensitīvas atbildes – vienu mēnesi. Kontakts: {contact}."
    ),
}


def _seed_notice(city: City, contact: str) -> bool:
    from privacy.models import ConsentText

    values = {
        "version": NOTICE_VERSION_DEMO,
        "text": NOTICE_TEXTS["en"].format(city=city.name, contact=contact),
        "text_translations": {
            code: NOTICE_TEXTS[code].format(city=city.name, contact=contact)
            for code in {"en", city.default_language} if code in NOTICE_TEXTS
        },
    }
    _row, new = _upsert(ConsentText, {"city": city, "kind": ConsentText.NOTICE}, values)
    return new


def _upsert(model: type[models.Model], lookup: dict[str, Any], values: dict[str, Any]) -> tuple[Any, bool]:
    """update_or_create by a natural key, but without rewriting an unchanged row (auto_now would move)."""
    instance = model.objects.filter(**lookup).first()
    if instance is None:
        return model.objects.create(**lookup, **values), True
    _sync(instance, values)
    return instance, False


def _at(day: date, clock: time, zone: ZoneInfo) -> datetime:
    """A wall-clock time on ``day`` in ``zone``, as the UTC instant that is stored."""
    return datetime.combine(day, clock, tzinfo=zone).astimezone(UTC)


# The same programme in English (and, for two events, in a language many newcomers read), so a
# visitor reading English, or Ukrainian in Riga and Arabic in Dietzenbach, sees the content in their
# language, and everyone else sees it in the city's language marked as such.
ENGLISH = {
    "launch": (
        "Launch of the local integration strategy",
        "Launch event: the strategy's main actions, presented to the whole city.",
    ),
    "coordination": (
        "Coordination body: meeting %(n)d",
        "Municipal staff, technical partners and experts follow the implementation of the strategy.",
    ),
    "training": (
        "Intercultural-competence training (group %(group)s)",
        "For municipal staff; places are confirmed once the application has been reviewed.",
        "Open to civil-society organisations, associations and volunteers.",
    ),
    "modules": (
        "Module 1: culture and identity",
        "Module 2: prejudice and stereotypes",
        "Module 3: intercultural communication",
        "Module 4: from practice to policy",
    ),
}
ENGLISH_WORKSHOP = {
    "es": ("Round table: participation of migrant communities",
           "How to make sure everyone takes part in the neighbourhood's decisions."),
    "sv": ("Round table: participation for all residents",
           "How do we make sure every resident can take part in the political agenda?"),
    "de": ("Round table: participation of migrant organisations",
           "How everyone in Dietzenbach can take part in decisions."),
    "it": ("Round table: the participation of migrant communities",
           "How to make sure everyone takes part in the city's choices."),
    "pl": ("Round table: participation of migrant communities",
           "How to give every resident a say in the city's decisions."),
    "ro": ("Round table: participation of migrant communities",
           "How we make sure all residents take part in the city's decisions."),
    "lv": ("Round-table discussion: participation of immigrant communities",
           "How to make sure every resident can take part in the city's decisions."),
}
ENGLISH_PILOT = {
    "cartagena": ("Intercultural walks through the Lo Campano neighbourhood",
                  "Neighbours of different origins discover the history of their neighbourhood together."),
    "cluj-napoca": ("Cooking together: kitchens of the world",
                    "Long-standing and new residents cook and eat together in the Mărăști district."),
    "dietzenbach": ("Neighbourhood garden at the Starkenburgring",
                    "Gardening together, practising languages and getting to know the neighbours."),
    "linkoping": ("Language café and homework help in Skäggetorp",
                  "Meet new neighbours, practise Swedish and get help with homework."),
    "lublin": ("Neighbourhood clean-up and picnic in Czechów",
               "Residents from Poland, Ukraine and Belarus look after their courtyard together."),
    "ravenna": ("Mosaic of communities: an intergenerational workshop",
                "Young people, older people and new citizens make a mosaic together for the Darsena district."),
    "riga": ("Neighbourhood evenings in the Maskavas forštate",
             "Shared dinners, music and stories about the neighbourhood, in many languages."),
}
# (city slug, plan key) → {language: (title, summary)}
EXTRA_LANGUAGES = {
    ("riga", "launch"): {
        "uk": ("Презентація місцевої стратегії інтеграції",
               "Подія-відкриття: головні заходи стратегії, представлені всьому місту."),
    },
    ("dietzenbach", "pilot"): {
        "ar": ("حديقة الحيّ في شتاركنبورغرينغ",
               "نزرع معًا، ونتمرّن على اللغات، ونتعرّف على جيراننا."),
    },
}
FINISHED_TRAINING_ENGLISH = (
    "Intercultural competence for municipal staff: pilot group",
    "Three sessions on intercultural communication in work with residents.",
)


def _plan_translations(seed: CitySeed, key: str) -> dict[str, dict[str, str]]:
    """The plan's title and summary in English (unless the city speaks it) and any extra language."""
    if key == "launch":
        title, summary = ENGLISH["launch"]
    elif key.startswith("coordination-"):
        title, summary = ENGLISH["coordination"][0] % {"n": int(key[-1])}, ENGLISH["coordination"][1]
    elif key.startswith("training-"):
        group = key[-1].upper()
        title = ENGLISH["training"][0] % {"group": group}
        summary = ENGLISH["training"][1 if group == "A" else 2]
    elif key == "workshop":
        title, summary = ENGLISH_WORKSHOP[seed.language]
    else:
        title, summary = ENGLISH_PILOT[seed.slug]
    translations = {} if seed.language == "en" else {"en": {"title": title, "summary": summary}}
    for code, (title, summary) in EXTRA_LANGUAGES.get((seed.slug, key), {}).items():
        translations[code] = {"title": title, "summary": summary}
    return translations


def _session_translations(language: str, title: str) -> dict[str, dict[str, str]]:
    """A training module's title in English."""
    texts = TEXTS.get(language)
    if language == "en" or texts is None or title not in texts.modules:
        return {}
    return {"en": {"title": ENGLISH["modules"][texts.modules.index(title)]}}


def _weekday_on_or_after(day: date, weekday: int) -> date:
    return day + timedelta(days=(weekday - day.weekday()) % 7)


MON, TUE, WED, THU, FRI, SAT = range(6)


@dataclass
class EventPlan:
    key: str
    kind: str
    area: str
    title: str
    summary: str
    description: str
    language: str
    venue: Venue | None
    sessions: list[tuple[datetime, datetime, str, str]]
    capacity: int | None = None
    requires_approval: bool = False
    registration_closes_at: datetime | None = None
    online: bool = False
    online_note: str = ""
    publish: bool = True
    trainer_emails: tuple[str, ...] = ()
    translations: dict[str, dict[str, str]] = field(default_factory=dict)


def _plan_events(seed: CitySeed, index: int, today: date) -> list[EventPlan]:
    """The city's programme for the coming months, on its own clock."""
    texts = TEXTS[seed.language]
    zone = ZoneInfo(seed.timezone)
    # Stagger the cities by a day each, so the combined programme is not seven copies of one day.
    base = today + timedelta(days=index)
    hall, centre = seed.town_hall, seed.centre

    def one(day: date, start: time, end: time, room: str = "", title: str = ""):
        return (_at(day, start, zone), _at(day, end, zone), title, room)

    launch_day = _weekday_on_or_after(base + timedelta(days=14), THU)
    coordination_days = [
        _weekday_on_or_after(base + timedelta(days=21), TUE),
        _weekday_on_or_after(base + timedelta(days=70), TUE),
    ]
    staff_training_days = [_weekday_on_or_after(base + timedelta(days=28), WED) + timedelta(weeks=w) for w in range(4)]
    open_training_days = [_weekday_on_or_after(base + timedelta(days=56), MON) + timedelta(weeks=w) for w in range(3)]
    workshop_day = _weekday_on_or_after(base + timedelta(days=35), THU)
    pilot_day = _weekday_on_or_after(base + timedelta(days=42), SAT)
    hall_room = hall.rooms[0] if hall.rooms else ""
    meeting_room = hall.rooms[-1] if hall.rooms else ""
    centre_room = centre.rooms[0] if centre.rooms else ""

    plans = [
        EventPlan(
            key="launch",
            kind=Event.Kind.LAUNCH,
            area=Event.Area.GOVERNANCE,
            title=texts.launch_title,
            summary=texts.launch_summary,
            description=texts.launch_description,
            language=seed.language,
            venue=hall,
            sessions=[one(launch_day, time(18, 0), time(20, 0), hall_room)],
            capacity=120,
        ),
        EventPlan(
            key="coordination-1",
            kind=Event.Kind.COORDINATION,
            area=Event.Area.GOVERNANCE,
            title=texts.coordination_title % {"n": 1},
            summary=texts.coordination_summary,
            description=texts.coordination_summary,
            language=seed.language,
            venue=hall,
            sessions=[one(coordination_days[0], time(10, 0), time(12, 0), meeting_room)],
        ),
        EventPlan(
            key="coordination-2",
            kind=Event.Kind.COORDINATION,
            area=Event.Area.GOVERNANCE,
            title=texts.coordination_title % {"n": 2},
            summary=texts.coordination_summary,
            description=texts.coordination_summary,
            language=seed.language,
            venue=None,
            online=True,
            online_note=texts.online_note,
            sessions=[one(coordination_days[1], time(10, 0), time(11, 30))],
            # The agenda is still being written: organizers see a draft to finish and publish.
            publish=False,
        ),
        EventPlan(
            key="training-a",
            kind=Event.Kind.TRAINING,
            area=Event.Area.GOVERNANCE,
            title=texts.training_title % {"group": "A"},
            summary=texts.training_summary_staff,
            description=texts.training_description,
            language=seed.language,
            venue=centre,
            sessions=[
                one(day, time(9, 30), time(13, 0), centre_room, texts.modules[i])
                for i, day in enumerate(staff_training_days)
            ],
            capacity=20,
            requires_approval=True,
            registration_closes_at=_at(staff_training_days[0] - timedelta(days=7), time(23, 59), zone),
            trainer_emails=(TRAINERS[0][0],),
        ),
        EventPlan(
            key="training-b",
            kind=Event.Kind.TRAINING,
            area=Event.Area.INTERACTION,
            title=texts.training_title % {"group": "B"},
            summary=texts.training_summary_open,
            description=texts.training_description,
            language=seed.language,
            venue=centre,
            sessions=[
                one(day, time(16, 30), time(19, 30), centre.rooms[-1] if centre.rooms else "", texts.modules[i])
                for i, day in enumerate(open_training_days)
            ],
            capacity=24,
            trainer_emails=(TRAINERS[1][0], TRAINERS[0][0]),
        ),
        EventPlan(
            key="workshop",
            kind=Event.Kind.WORKSHOP,
            area=Event.Area.PARTICIPATION,
            title=texts.workshop_title,
            summary=texts.workshop_summary,
            description=texts.workshop_description,
            language=seed.language,
            venue=centre,
            sessions=[one(workshop_day, time(17, 0), time(19, 30), centre_room)],
            capacity=40,
        ),
        EventPlan(
            key="pilot",
            kind=Event.Kind.PILOT,
            area=Event.Area.INTERACTION,
            title=seed.pilot_title,
            summary=seed.pilot_summary,
            description=seed.pilot_description,
            language=seed.language,
            venue=centre,
            sessions=[one(pilot_day, time(10, 0), time(14, 0))],
            # Small on purpose: the demo shows a full event with a waiting list.
            capacity=10,
        ),
    ]
    for plan in plans:
        plan.translations = _plan_translations(seed, plan.key)
    return plans


# The command -------------------------------------------------------------------------------------


class Command(BaseCommand):
    help = "Create (or bring up to date) the demo cities, users and events. Safe to run again."

    def handle(self, *args, **options):
        self.logins: list[tuple[str, str]] = []
        # The seed's own events, the only ones it registers people for (never an event a user made).
        self.demo_event_ids: set[int] = set()
        # Demo addresses do not exist: the emails that registrations and certificates queue are
        # recorded as usual but handed to a backend that drops them, in this process and before
        # the switch ends (no background thread or worker sends them later, with the real backend).
        with self.settings_email_dropped():
            with transaction.atomic():
                created = self._seed()
            background_wait()
        summary = ", ".join(f"{count} {what}" for what, count in created.items())
        self.stdout.write(self.style.SUCCESS(f"Demo data is in place (created now: {summary})."))
        self.stdout.write("")
        self.stdout.write(f"Demo logins (every account uses the password {DEMO_PASSWORD!r}):")
        width = max(len(email) for email, _role in self.logins)
        for email, role in self.logins:
            self.stdout.write(f"  {email.ljust(width)}  {DEMO_PASSWORD}  {role}")

    def _seed(self) -> dict[str, int]:
        created = {"cities": 0, "users": 0, "events": 0}
        admin, new = self._user(ADMIN_EMAIL, "EPI Platform Admin", "en", is_staff=True, is_superuser=True)
        created["users"] += new
        self.logins.append((ADMIN_EMAIL, "platform admin (staff, superuser)"))

        trainers = {}
        for email, name, language in TRAINERS:
            trainers[email], new = self._user(email, name, language)
            created["users"] += new
            self.logins.append((email, "trainer"))

        for number, (name, language) in enumerate(PARTICIPANTS, start=1):
            email = f"participant{number:02d}@{DEMO_DOMAIN}"
            _user, new = self._user(email, name, language)
            created["users"] += new
            self.logins.append((email, f"participant ({name})"))

        for index, seed in enumerate(CITIES):
            city, new = _upsert(
                City,
                {"slug": seed.slug},
                {
                    "name": seed.name,
                    "country": seed.country,
                    "timezone": seed.timezone,
                    "default_language": seed.language,
                    "narrative": seed.narrative,
                    "signatory_name": seed.signatory_name,
                    "signatory_title": seed.signatory_title,
                },
            )
            created["cities"] += new
            email = f"organizer.{seed.slug}@{DEMO_DOMAIN}"
            organizer, new = self._user(email, seed.organizer_name, seed.organizer_language)
            created["users"] += new
            CityMembership.objects.get_or_create(city=city, user=organizer)
            _seed_notice(city, email)
            self.logins.append((email, f"organizer of {seed.name}"))

            local_today = timezone.localtime(timezone.now(), ZoneInfo(seed.timezone)).date()
            for plan in _plan_events(seed, index, local_today):
                created["events"] += self._event(city, organizer, plan, trainers)
            created["registrations"] = created.get("registrations", 0) + self._registrations(city)
        created["events"] += self._finished_training(trainers)
        return created

    def _participants(self) -> list[User]:
        emails = [f"participant{number:02d}@{DEMO_DOMAIN}" for number in range(1, len(PARTICIPANTS) + 1)]
        by_email = {user.email: user for user in User.objects.filter(email__in=emails)}
        return [by_email[email] for email in emails]

    def _register(self, event: Event, user: User, organizer: User | None = None) -> bool:
        """Register through the registration service: online as the participant would, or,
        for an event that already took place, by its organizer as for people on paper."""
        from events.forms_registration import CONSENT_VERSION
        from events.services.registrations import registration_create

        if Registration.objects.filter(event=event, user=user).exists():
            return False
        if organizer is None:
            registration_create(event=event, user=user, consent_version=CONSENT_VERSION)
        else:
            registration_create(event=event, user=user, source=Registration.Source.ORGANIZER, actor=organizer)
        return True

    def _registrations(self, city: City) -> int:
        """Some people in every upcoming published event: confirmed seats, pending approvals
        (trainings that need approval) and a waiting list (the small pilot actions)."""
        people = self._participants()
        count = 0
        demo_events = Event.objects.filter(city=city, pk__in=self.demo_event_ids)
        for event in demo_events.published().upcoming().order_by("starts_at", "id"):
            if event.capacity is not None and event.capacity < len(people):
                group = people[: event.capacity + 2]  # full, with two people waiting
            else:
                group = people[event.pk % 4 :: 2]
            for user in group:
                count += self._register(event, user)
        return count

    def _finished_training(self, trainers: dict[str, User]) -> int:
        """A Riga training that already took place: attendance taken and certificates issued,
        so "My certificates", the attendance sheets and the public verification page have something to show."""
        from certificates.services.certificates import CertificateError, certificate_issue
        from certificates.services.eligibility import eligible_registrations
        from events.services.attendance import attendance_mark

        city = City.objects.get(slug="riga")
        organizer = User.objects.get(email=f"organizer.riga@{DEMO_DOMAIN}")
        title = FINISHED_TRAINING_TITLE
        event = Event.objects.filter(city=city, title=title).first()
        created = 0
        if event is None:
            zone = ZoneInfo(city.timezone)
            first = timezone.localtime(timezone.now(), zone).date() - timedelta(days=30)
            event = event_services.event_create(
                city=city,
                created_by=organizer,
                trainers=[trainers[TRAINERS[0][0]]],
                kind=Event.Kind.TRAINING,
                area=Event.Area.GOVERNANCE,
                title=title,
                summary="Trīs nodarbības par starpkultūru komunikāciju darbā ar iedzīvotājiem.",
                description="Pilotgrupa pašvaldības klientu apkalpošanas speciālistiem.",
                language="lv",
                venue_name="Rīgas Centrālā bibliotēka",
                venue_address="Brīvības iela 49/53, Rīga, LV-1010",
                latitude=Decimal("56.955920"),
                longitude=Decimal("24.120310"),
                capacity=12,
                translations={"en": dict(zip(("title", "summary"), FINISHED_TRAINING_ENGLISH, strict=True))},
            )
            for week in range(3):
                day = first + timedelta(weeks=week)
                event_services.session_create(
                    event=event,
                    starts_at=_at(day, time(9, 30), zone),
                    ends_at=_at(day, time(13, 0), zone),
                    title=f"{week + 1}. nodarbība",
                    room="Konferenču zāle",
                )
            event_services.event_publish(event=event)
            created = 1
        people = self._participants()[:8]
        for user in people:
            self._register(event, user, organizer=organizer)
        sessions = list(event.sessions.order_by("starts_at"))
        registrations = Registration.objects.filter(event=event, user__in=people).confirmed()
        for position, registration in enumerate(registrations.order_by("user__email")):
            for number, session in enumerate(sessions):
                # The last person missed two of three sessions: below the 75 % rule, no certificate.
                present = not (position == len(people) - 1 and number > 0)
                if not session.attendances.filter(registration=registration).exists():
                    attendance_mark(session=session, registration=registration, present=present, actor=organizer)
        for registration in eligible_registrations(event=event):
            try:
                certificate_issue(registration=registration, actor=organizer)
            except CertificateError:
                pass  # issued by an earlier run
        return created

    @staticmethod
    def settings_email_dropped():
        from django.test.utils import override_settings

        return override_settings(
            EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
            CELERY_TASK_ALWAYS_EAGER=True,
            EMAILS_IN_BACKGROUND_THREAD=False,
            BACKGROUND_LONG_JOBS=False,
        )

    def _password_hash(self) -> str:
        if not hasattr(self, "_hash"):
            self._hash = make_password(DEMO_PASSWORD)
        return self._hash

    def _user(self, email: str, full_name: str, language: str, **flags: bool) -> tuple[User, bool]:
        user, new = _upsert(User, {"email": email}, {"full_name": full_name, "preferred_language": language, **flags})
        if new:
            # Only on creation: a demo user who changed their password keeps it. One hash for all
            # demo accounts (same salt) saves seconds of key stretching per user; it is a public password.
            user.password = self._password_hash()
            user.save(update_fields=["password"])
        address, _new = EmailAddress.objects.get_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        _sync(address, {"verified": True, "primary": True})
        return user, new

    def _event(self, city: City, organizer: User, plan: EventPlan, trainers: dict[str, User]) -> bool:
        venue = plan.venue
        fields = {
            "kind": plan.kind,
            "area": plan.area,
            "title": plan.title,
            "summary": plan.summary,
            "description": plan.description,
            "language": plan.language,
            "venue_name": venue.name if venue else "",
            "venue_address": venue.address if venue else "",
            "latitude": Decimal(venue.latitude) if venue else None,
            "longitude": Decimal(venue.longitude) if venue else None,
            "online_url": ONLINE_URL.format(slug=city.slug) if plan.online else "",
            "online_note": plan.online_note,
            "capacity": plan.capacity,
            "requires_approval": plan.requires_approval,
        }
        event_trainers = [trainers[email] for email in plan.trainer_emails]
        event = Event.objects.filter(city=city, title=plan.title).first()
        if event is None:
            event = event_services.event_create(
                city=city,
                created_by=organizer,
                trainers=event_trainers,
                registration_closes_at=plan.registration_closes_at,
                translations=plan.translations,
                **fields,
            )
            for starts_at, ends_at, title, room in plan.sessions:
                event_services.session_create(
                    event=event, starts_at=starts_at, ends_at=ends_at, title=title, room=room,
                    translations=_session_translations(plan.language, title),
                )
            if plan.publish:
                event_services.event_publish(event=event)
            self.demo_event_ids.add(event.pk)
            return True
        self.demo_event_ids.add(event.pk)
        # Existing events keep their dates and status; only the seed's texts and facts are brought back.
        changed = {name: value for name, value in fields.items() if getattr(event, name) != value}
        if event.translations != plan.translations:
            changed["translations"] = plan.translations
        if changed:
            event_services.event_update(event=event, **changed)
        if set(event.trainers.all()) != set(event_trainers):
            event.trainers.set(event_trainers)
        return False
