import pytest

from events.collation import name_sort_key

NAMES = ["Zoe Smith", "Łucja Nowak", "Åsa Lind", "Žaneta Kalniņa", "anna Berg", "Lukas Meyer", "Oskar Öberg", "Ola Olsen"]


def _sorted(language):
    return sorted(NAMES, key=lambda name: name_sort_key(name, language))


@pytest.mark.parametrize("language", ["en", "de", "it", ""])
def test_accented_letters_sort_with_their_base_letter(language):
    assert _sorted(language) == [
        "anna Berg", "Åsa Lind", "Łucja Nowak", "Lukas Meyer", "Ola Olsen", "Oskar Öberg", "Žaneta Kalniņa", "Zoe Smith",
    ]


def test_swedish_puts_a_ring_a_umlaut_and_o_umlaut_after_z():
    names = ["Örjan", "Åsa", "Zoe", "Ärla", "Anna"]
    assert sorted(names, key=lambda n: name_sort_key(n, "sv")) == ["Anna", "Zoe", "Åsa", "Ärla", "Örjan"]
    assert sorted(names, key=lambda n: name_sort_key(n, "en")) == ["Anna", "Ärla", "Åsa", "Örjan", "Zoe"]


def test_polish_puts_l_stroke_after_every_l():
    assert sorted(["Łucja", "Lwowska", "Lucja", "Marek"], key=lambda n: name_sort_key(n, "pl")) == [
        "Lucja", "Lwowska", "Łucja", "Marek",
    ]


def test_ukrainian_letters_keep_their_places_in_the_alphabet():
    names = ["Яна", "Іван", "Ганна", "Ґанна", "Євген", "Єва", "Жанна", "Дмитро", "Ірина", "Йосип", "Кирило"]
    assert sorted(names, key=lambda n: name_sort_key(n, "uk")) == [
        "Ганна", "Ґанна", "Дмитро", "Єва", "Євген", "Жанна", "Іван", "Ірина", "Йосип", "Кирило", "Яна",
    ]
