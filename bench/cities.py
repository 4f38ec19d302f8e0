"""The seven EPI cities as the benchmarks seed them: name, slug, country, time zone, language."""

CITIES = [
    ("Cartagena", "cartagena", "ES", "Europe/Madrid", "es"),
    ("Cluj-Napoca", "cluj-napoca", "RO", "Europe/Bucharest", "ro"),
    ("Dietzenbach", "dietzenbach", "DE", "Europe/Berlin", "de"),
    ("Linköping", "linkoping", "SE", "Europe/Stockholm", "sv"),
    ("Lublin", "lublin", "PL", "Europe/Warsaw", "pl"),
    ("Ravenna", "ravenna", "IT", "Europe/Rome", "it"),
    ("Riga", "riga", "LV", "Europe/Riga", "lv"),
]
