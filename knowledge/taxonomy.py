"""The fixed topic taxonomy and product types, with their names in English and French."""

from __future__ import annotations

from typing import Final

# slug -> (English name, French name). The order is the order users see in /topics.
TOPICS: Final[dict[str, tuple[str, str]]] = {
    "protection": ("Centrality of protection", "Centralité de la protection"),
    "gbv": ("Gender-based violence (GBV)", "Violences basées sur le genre (VBG)"),
    "aap": ("Accountability to affected people (AAP)", "Redevabilité envers les populations affectées"),
    "psea": (
        "Protection from sexual exploitation and abuse (PSEA)",
        "Protection contre l'exploitation et les abus sexuels (PEAS)",
    ),
    "principles": ("Principled humanitarian action", "Action humanitaire fondée sur les principes"),
    "coordination": ("HCT and inter-cluster coordination", "Coordination EHP et inter-clusters"),
    "preparedness": ("Emergency preparedness", "Préparation aux urgences"),
    "needs-assessment": ("Joint needs assessment", "Évaluation conjointe des besoins"),
    "scale-up": ("Scale, speed and quality (scale-up)", "Échelle, rapidité et qualité (intensification)"),
    "gender": ("Gender-responsive programming", "Programmation sensible au genre"),
    "decentralization": (
        "Decentralization and sub-national coordination",
        "Décentralisation et coordination infranationale",
    ),
    "access": ("Access and security risk management", "Accès et gestion des risques sécuritaires"),
    "nexus": ("Humanitarian–development–peace nexus", "Nexus humanitaire-développement-paix"),
    "cash": ("Cash and voucher assistance", "Transferts monétaires"),
    "localization": ("Local actors as equal partners", "Acteurs locaux, partenaires égaux"),
    "planning": ("Integrated planning", "Planification intégrée"),
    "leadership": ("Collective leadership", "Leadership collectif"),
    "learning": ("Learning and lessons", "Apprentissage et leçons"),
}

PRODUCT_TYPES: Final[dict[str, tuple[str, str]]] = {
    "practical-note": ("Practical note", "Note pratique"),
    "case-study": ("Case study", "Étude de cas"),
    "webinar": ("Webinar", "Webinaire"),
    "interview": ("Interview", "Entretien"),
    "report": ("Report", "Rapport"),
    "dialogue": ("HC dialogue", "Dialogue entre CH"),
    "guidance": ("Guidance", "Orientations"),
    "video": ("Video", "Vidéo"),
    "page": ("Learning page", "Page d'apprentissage"),
}

ANSWER_TYPE: Final = "answer"
"""The P2P secretariat's answers to passed questions (knowledge/answers.py). Kept out of
PRODUCT_TYPES: a curated library file cannot claim to be one, and a Q&A file can be nothing else."""
_EVERY_TYPE: Final[dict[str, tuple[str, str]]] = {
    **PRODUCT_TYPES, ANSWER_TYPE: ("Answer from the P2P secretariat", "Réponse du secrétariat P2P")}

LANGUAGES: Final[tuple[str, ...]] = ("en", "fr")


def check_topics(topics: list[str]) -> list[str]:
    """The topics if every one is a taxonomy slug, listed once; a ValueError naming the problem if not."""
    unknown = [topic for topic in topics if topic not in TOPICS]
    if unknown:
        raise ValueError(f"unknown topic {', '.join(map(repr, unknown))}; known topics: {', '.join(TOPICS)}")
    if len(set(topics)) != len(topics):
        raise ValueError("a topic is listed twice")
    return topics


def topic_name(slug: str, language: str = "en") -> str:
    english, french = TOPICS[slug]
    return french if language == "fr" else english


def type_name(slug: str, language: str = "en") -> str:
    english, french = _EVERY_TYPE[slug]
    return french if language == "fr" else english
