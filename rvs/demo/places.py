"""Countries, cities and exam centres for demo data.

Cities are real and spelt as centres write them (Kraków, München, São Paulo, İzmir); centre
names follow the local patterns of language schools and universities. A country's weight is its
rough share of candidates, and its cultures say whose names appear at its centres: mostly local
names, plus the international mix that English-speaking and Gulf centres see.
"""

from __future__ import annotations

import bisect
import itertools
import random
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")

_GENERIC = (
    "British Council {city}",
    "International House {city}",
    "Cambridge English Centre {city}",
    "{city} Language Academy",
    "{city} School of English",
)
_TEMPLATES = {
    "en": ("{city} College of English", "{city} English Language Centre", "Kings Language School {city}"),
    "es": (
        "Instituto de Idiomas {city}",
        "Academia de Inglés {city}",
        "Escuela Oficial de Idiomas de {city}",
        "Centro de Lenguas Modernas {city}",
    ),
    "pt": ("Instituto de Línguas {city}", "Escola de Inglês {city}", "Centro de Línguas de {city}"),
    "fr": ("Institut de Langues {city}", "École d'Anglais {city}", "Centre de Langues {city}"),
    "de": ("Sprachschule {city}", "Sprachinstitut {city}", "Volkshochschule {city}", "Englisch-Zentrum {city}"),
    "it": ("Scuola di Lingue {city}", "Centro Linguistico {city}", "Istituto Linguistico {city}"),
    "pl": ("Akademia Językowa {city}", "Szkoła Języków Obcych {city}", "Centrum Egzaminacyjne {city}"),
    "cs": ("Jazyková škola {city}", "Jazykové centrum {city}"),
    "hu": ("{city} Nyelviskola", "Nyelvi Központ {city}"),
    "ro": ("Centrul de Limbi Străine {city}", "Școala de Limbi {city}"),
    "tr": ("{city} Dil Okulu", "İngilizce Eğitim Merkezi {city}"),
    "el": ("Hellenic English Academy {city}", "Foreign Language Centre {city}"),
    "nl": ("Talencentrum {city}", "Engelse Taalschool {city}"),
    "nordic": ("Språkskolan {city}", "Sprogcenter {city}", "Kielikeskus {city}"),
    "slavic": ("Lingua Centre {city}", "{city} Linguistic Centre"),
    "asia": ("{city} Foreign Language School", "Global English Academy {city}", "{city} International School"),
    "arab": ("{city} English Language Institute", "Gulf Language Centre {city}"),
}


@dataclass(frozen=True)
class Country:
    code: str
    name: str
    weight: float
    cities: tuple[str, ...]
    cultures: tuple[tuple[str, float], ...]
    language: str


def _country(code: str, name: str, weight: float, cities: str, cultures: str, language: str) -> Country:
    mix = []
    for part in cultures.split(","):
        key, _, share = part.strip().partition(":")
        mix.append((key, float(share or 1)))
    return Country(code, name, weight, tuple(c.strip() for c in cities.split(",")), tuple(mix), language)


_INTERNATIONAL = "chinese:3, hindi:2, arabic:1, spanish:1, italian:1, vietnamese:1, nigerian:1, polish:1, malay:1"
COUNTRIES = [
    _country("GB", "United Kingdom", 4,
             "London, Manchester, Edinburgh, Cambridge, Oxford, Birmingham, Cardiff, Belfast",
             f"english:6, irish:1, {_INTERNATIONAL}", "en"),
    _country("IE", "Ireland", 1, "Dublin, Cork, Galway", f"irish:4, english:1, brazilian:1, {_INTERNATIONAL}", "en"),
    _country("ES", "Spain", 9, "Madrid, Barcelona, Sevilla, Valencia, Bilbao, Málaga, Zaragoza, A Coruña",
             "spanish:30, latam:1", "es"),
    _country("PT", "Portugal", 2, "Lisboa, Porto, Coimbra, Braga", "portuguese:20, brazilian:1", "pt"),
    _country("FR", "France", 4, "Paris, Lyon, Marseille, Toulouse, Bordeaux, Lille", "french:20, arabic:2", "fr"),
    _country("DE", "Germany", 4, "Berlin, München, Hamburg, Köln, Frankfurt am Main, Düsseldorf, Stuttgart, Leipzig",
             "german:20, turkish:2, polish:1", "de"),
    _country("AT", "Austria", 1, "Wien, Graz, Salzburg, Innsbruck", "german:10, balkan:1, turkish:1", "de"),
    _country("CH", "Switzerland", 2, "Zürich, Genève, Basel, Bern, Lausanne", "german:6, french:3, italian:1", "de"),
    _country("IT", "Italy", 8, "Roma, Milano, Napoli, Torino, Bologna, Firenze, Palermo", "italian:30", "it"),
    _country("GR", "Greece", 5, "Athens, Thessaloniki, Patras, Heraklion", "greek:30", "el"),
    _country("TR", "Turkey", 3, "İstanbul, Ankara, İzmir, Bursa, Antalya", "turkish:30", "tr"),
    _country("PL", "Poland", 6, "Warszawa, Kraków, Wrocław, Gdańsk, Poznań, Łódź, Lublin, Katowice",
             "polish:30, ukrainian:1", "pl"),
    _country("CZ", "Czech Republic", 2, "Praha, Brno, Ostrava, Plzeň", "czech:20, ukrainian:1", "cs"),
    _country("SK", "Slovakia", 1, "Bratislava, Košice", "czech:10", "cs"),
    _country("HU", "Hungary", 1.5, "Budapest, Debrecen, Szeged, Pécs", "hungarian:20", "hu"),
    _country("RO", "Romania", 2, "București, Cluj-Napoca, Iași, Timișoara", "romanian:20", "ro"),
    _country("BG", "Bulgaria", 1, "Sofia, Plovdiv, Varna", "bulgarian:20", "slavic"),
    _country("RS", "Serbia", 1, "Beograd, Novi Sad, Niš", "balkan:20", "slavic"),
    _country("HR", "Croatia", 0.7, "Zagreb, Split, Rijeka", "balkan:20", "slavic"),
    _country("UA", "Ukraine", 2, "Kyiv, Lviv, Kharkiv, Odesa, Dnipro", "ukrainian:20, russian:1", "slavic"),
    _country("RU", "Russia", 2.5, "Moskva, Sankt-Peterburg, Novosibirsk, Yekaterinburg, Kazan", "russian:20", "slavic"),
    _country("LT", "Lithuania", 0.5, "Vilnius, Kaunas", "lithuanian:20, russian:1", "slavic"),
    _country("DK", "Denmark", 0.7, "København, Aarhus, Odense", "danish:20", "nordic"),
    _country("NO", "Norway", 0.5, "Oslo, Bergen, Trondheim", "norwegian:20", "nordic"),
    _country("SE", "Sweden", 0.8, "Stockholm, Göteborg, Malmö, Uppsala", "swedish:20, arabic:1", "nordic"),
    _country("FI", "Finland", 0.5, "Helsinki, Tampere, Turku", "finnish:20", "nordic"),
    _country("NL", "Netherlands", 1.5, "Amsterdam, Rotterdam, Utrecht, Den Haag", "dutch:20, turkish:1", "nl"),
    _country("BE", "Belgium", 1, "Bruxelles, Antwerpen, Gent, Liège", "dutch:5, french:5", "nl"),
    _country("CN", "China", 8, "Beijing, Shanghai, Guangzhou, Shenzhen, Chengdu, Hangzhou, Wuhan, Nanjing, Xi'an",
             "chinese:40", "asia"),
    _country("HK", "Hong Kong", 1.5, "Hong Kong", "cantonese:20, chinese:2", "asia"),
    _country("TW", "Taiwan", 1, "Taipei, Kaohsiung, Taichung", "taiwanese:20", "asia"),
    _country("JP", "Japan", 2, "Tokyo, Osaka, Kyoto, Nagoya, Fukuoka", "japanese:30", "asia"),
    _country("KR", "South Korea", 1.5, "Seoul, Busan, Incheon", "korean:30", "asia"),
    _country("VN", "Vietnam", 4, "Hanoi, Ho Chi Minh City, Da Nang, Hai Phong", "vietnamese:30", "asia"),
    _country("TH", "Thailand", 1, "Bangkok, Chiang Mai, Phuket", "thai:20", "asia"),
    _country("MY", "Malaysia", 1.5, "Kuala Lumpur, Penang, Johor Bahru", "malay:10, chinese:4, south_indian:1", "asia"),
    _country("ID", "Indonesia", 1.5, "Jakarta, Surabaya, Bandung", "malay:20", "asia"),
    _country("PH", "Philippines", 1, "Manila, Cebu City", "filipino:20", "asia"),
    _country("IN", "India", 3, "Mumbai, New Delhi, Bengaluru, Chennai, Kolkata, Hyderabad, Pune",
             "hindi:3, south_indian:2", "en"),
    _country("PK", "Pakistan", 1.5, "Karachi, Lahore, Islamabad", "pakistani:20", "en"),
    _country("AE", "United Arab Emirates", 1.5, "Dubai, Abu Dhabi, Sharjah",
             "arabic:6, hindi:3, pakistani:2, filipino:2, south_indian:1, english:1", "arab"),
    _country("SA", "Saudi Arabia", 1, "Riyadh, Jeddah, Dammam", "arabic:20, pakistani:1", "arab"),
    _country("EG", "Egypt", 1.5, "Cairo, Alexandria", "arabic:20", "arab"),
    _country("JO", "Jordan", 0.5, "Amman", "arabic:20", "arab"),
    _country("MA", "Morocco", 0.7, "Casablanca, Rabat, Marrakech", "arabic:10, french:1", "fr"),
    _country("IR", "Iran", 1, "Tehran, Isfahan, Shiraz", "persian:20", "en"),
    _country("NG", "Nigeria", 1, "Lagos, Abuja, Ibadan", "nigerian:20", "en"),
    _country("KE", "Kenya", 0.5, "Nairobi, Mombasa", "kenyan:20", "en"),
    _country("BR", "Brazil", 4, "São Paulo, Rio de Janeiro, Belo Horizonte, Brasília, Curitiba, Porto Alegre, Recife",
             "brazilian:30, japanese:1, italian:1", "pt"),
    _country("AR", "Argentina", 2.5, "Buenos Aires, Córdoba, Rosario, Mendoza", "latam:20, italian:3", "es"),
    _country("MX", "Mexico", 3, "Ciudad de México, Guadalajara, Monterrey, Puebla", "latam:30", "es"),
    _country("CO", "Colombia", 1.5, "Bogotá, Medellín, Cali", "latam:30", "es"),
    _country("CL", "Chile", 1, "Santiago, Valparaíso, Concepción", "latam:30", "es"),
    _country("PE", "Peru", 1, "Lima, Arequipa, Cusco", "latam:30", "es"),
    _country("UY", "Uruguay", 0.7, "Montevideo", "latam:20, italian:2", "es"),
    _country("CA", "Canada", 1, "Toronto, Vancouver, Montréal", f"english:2, french:1, {_INTERNATIONAL}", "en"),
    _country("AU", "Australia", 1, "Sydney, Melbourne, Brisbane, Perth", f"english:2, {_INTERNATIONAL}", "en"),
]  # fmt: skip


@dataclass(frozen=True)
class CentreSpec:
    number: str
    name: str
    city: str
    country: Country


def build_centres(rng: random.Random) -> list[tuple[CentreSpec, float]]:
    """Every demo centre with its share of candidates: big cities and big markets get more."""
    centres: list[tuple[CentreSpec, float]] = []
    for country in COUNTRIES:
        templates = list(_GENERIC) + list(_TEMPLATES[country.language])
        specs: list[tuple[str, str, float]] = []
        for rank, city in enumerate(country.cities):
            city_weight = 1 / (rank + 1)
            # The capital or biggest city has several centres, smaller cities one or two.
            count = 3 if rank == 0 else (2 if rank < 3 and rng.random() < 0.5 else 1)
            for template in rng.sample(templates, count):
                specs.append((template.format(city=city), city, city_weight / count))
        numbers = rng.sample(range(100, 1000), len(specs))
        total = sum(weight for _, _, weight in specs)
        for (name, city, weight), number in zip(specs, numbers, strict=True):
            spec = CentreSpec(f"{country.code}{number}", name, city, country)
            centres.append((spec, country.weight * weight / total))
    return centres


class WeightedChoice(Generic[T]):
    """``rng.choices`` with the cumulative weights computed once (it is called a million times)."""

    def __init__(self, items: list[T], weights: list[float]) -> None:
        self.items = items
        self.cumulative = list(itertools.accumulate(weights))

    def draw(self, rng: random.Random) -> T:
        return self.items[bisect.bisect(self.cumulative, rng.random() * self.cumulative[-1])]
