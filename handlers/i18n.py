"""The bot's own sentences, in English and French. Keys are stable; texts may change freely."""

from __future__ import annotations

from typing import Final

_MESSAGES: Final[dict[str, tuple[str, str]]] = {
    "answer.intro": ("Here is how other operations handled it", "Voici comment d'autres opérations s'y sont prises"),
    "answer.intro_topic": ("Here is how other operations handled {topics}",
                           "Voici comment d'autres opérations ont traité : {topics}"),
    "answer.filtered": ("Products matching: {filters}", "Produits correspondants : {filters}"),
    "answer.relaxed": ("Nothing matched {dropped}, so here is what other operations did:",
                       "Rien ne correspondait à {dropped} ; voici ce que d'autres opérations ont fait :"),
    "answer.more_hint": ("Type /more for the next ones.", "Tapez /plus pour la suite."),
    "answer.read_hint": ("Type /read followed by the number or id to read a product here.",
                         "Tapez /lire suivi du numéro ou de l'identifiant pour lire un produit ici."),
    "answer.no_more": ("That was everything I found. Ask another question, or type /topics.",
                       "C'est tout ce que j'ai trouvé. Posez une autre question, ou tapez /sujets."),
    "answer.corrected": ("(I read {corrections}.)", "(J'ai lu {corrections}.)"),
    "illustrative": ("illustrative sample", "exemple illustratif"),
    "read.link": ("Read", "Lire"),
    "decline.intro": (
        "I could not find a learning product that answers this, and I would rather say so than guess.",
        "Je n'ai pas trouvé de produit d'apprentissage qui réponde à cela, et je préfère le dire plutôt que deviner.",
    ),
    "decline.topics": ("The library covers these topics:", "La bibliothèque couvre ces sujets :"),
    "decline.offer": (
        "I can pass your question on to the P2P secretariat, who may know of something.",
        "Je peux transmettre votre question au secrétariat P2P, qui connaît peut-être quelque chose.",
    ),
    "button.pass": ("Pass it to the secretariat", "Transmettre au secrétariat"),
    "button.more": ("More", "Plus"),
    "button.useful": ("Useful", "Utile"),
    "button.not_useful": ("Not useful", "Pas utile"),
    "topics.intro": ("Topics in the library (type /topic and a name to browse one):",
                     "Sujets de la bibliothèque (tapez /sujet et un nom pour en parcourir un) :"),
    "topics.count": ("{count} products", "{count} produits"),
    "topic.unknown": ("I do not know the topic \"{name}\". Type /topics to see them all.",
                      "Je ne connais pas le sujet « {name} ». Tapez /sujets pour les voir tous."),
    "topic.missing": ("Which topic? For example: /topic psea. Type /topics to see them all.",
                      "Quel sujet ? Par exemple : /sujet psea. Tapez /sujets pour les voir tous."),
    "topic.intro": ("Learning products on {topic}:", "Produits d'apprentissage sur : {topic}"),
    "more.nothing": ("There is nothing more to show. Ask a question first, or type /topics.",
                     "Il n'y a rien de plus à montrer. Posez d'abord une question, ou tapez /sujets."),
    "read.missing": ("Which product? Type /read 1 for the first result, or /read and its id.",
                     "Quel produit ? Tapez /lire 1 pour le premier résultat, ou /lire et son identifiant."),
    "read.unknown": ("I cannot find the product \"{name}\".", "Je ne trouve pas le produit « {name} »."),
    "help.intro": ("I help you find how other operations solved the problems you face, from the P2P "
                   "learning products. Ask in plain words, in English or French, or use a command:",
                   "Je vous aide à trouver comment d'autres opérations ont résolu les problèmes que vous "
                   "rencontrez, à partir des produits d'apprentissage P2P. Posez votre question en français "
                   "ou en anglais, ou utilisez une commande :"),
    "help.example": ("Example: how did others set up a PSEA network?",
                     "Exemple : comment d'autres ont-ils mis en place un réseau PEAS ?"),
    "unknown_command": ("I do not know the command /{name}. Type /help to see what I can do.",
                        "Je ne connais pas la commande /{name}. Tapez /aide pour voir ce que je sais faire."),
    "empty": ("Ask me how other operations handled something, or type /help.",
              "Demandez-moi comment d'autres opérations ont géré quelque chose, ou tapez /aide."),
    "too_long": ("That message is too long for me to search; could you ask it in a sentence or two?",
                 "Ce message est trop long pour une recherche ; pouvez-vous le poser en une ou deux phrases ?"),
    "error": ("Sorry, something went wrong on my side. Your conversation is safe; please try again.",
              "Désolé, un problème est survenu de mon côté. Votre conversation est intacte ; réessayez."),
    "unknown_button": ("That button has expired. Ask your question again, or type /help.",
                       "Ce bouton a expiré. Posez à nouveau votre question, ou tapez /aide."),
    "filter.type": ("type", "type"),
    "filter.country": ("country", "pays"),
    "filter.language": ("language", "langue"),
}


def t(key: str, language: str = "en", **values: object) -> str:
    """The sentence for ``key`` in ``language`` (English when French is not available)."""
    english, french = _MESSAGES[key]
    template = french if language == "fr" and french else english
    return template.format(**values) if values else template


def keys() -> frozenset[str]:
    return frozenset(_MESSAGES)
