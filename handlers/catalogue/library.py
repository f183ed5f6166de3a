"""Sentences of one part of the bot, merged into handlers.i18n's catalogue (kept apart so that work on
separate features never edits the same file)."""

from __future__ import annotations

from typing import Final

MESSAGES: Final[dict[str, tuple[str, str]]] = {
    "kb.kind_dated": ("{kind}, {when}", "{kind}, {when}"),
    "kb.kind_upcoming": ("Upcoming webinar", "Webinaire à venir"),
    "kb.kind_recording": ("Webinar recording", "Enregistrement du webinaire"),
    "kb.notice": ("The P2P secretariat invites you to a webinar. {summary}",
                  "Le secrétariat P2P vous invite à un webinaire. {summary}"),
    "kb.notice_more": ("More about it: {url}", "En savoir plus : {url}"),
    "kb.notice_not_webinar": ("only a webinar can be announced from its record; this one is a {kind}",
                              "seul un webinaire s'annonce depuis sa fiche ; celle-ci est de type {kind}"),
    # {date}, {time}, {timezone}: the front-matter lines to add, as YAML spells them (no French spacing).
    "kb.notice_no_date": ("the webinar has no date: add {date} and {time}",
                          "le webinaire n'a pas de date : ajoutez {date} et {time}"),
    "kb.notice_no_time": ("the webinar has no start time: add {time} (and {timezone})",
                          "le webinaire n'a pas d'heure : ajoutez {time} (et {timezone})"),
    "kb.notice_past": ("the webinar was on {start}: only an upcoming one can be announced",
                       "le webinaire a eu lieu le {start} : seul un webinaire à venir peut être annoncé"),
    "kb.import_bool": ("{value!r} is neither yes nor no (write true or false, VRAI or FAUX)",
                       "{value!r} n'est ni oui ni non (écrivez true ou false, VRAI ou FAUX)"),
    "kb.import_header": ("the first line should name the columns, at least id, title and type "
                         "(found {found}); the columns are: {columns}",
                         "la première ligne doit nommer les colonnes, au moins id, title et type "
                         "(trouvé {found}) ; les colonnes sont : {columns}"),
    "kb.import_empty": ("no product in this file: one row a product, under the line naming the columns",
                        "aucun produit dans ce fichier : une ligne par produit, sous la ligne des colonnes"),
    "kb.import_id_twice": ("this id is also on row {row}; each product needs its own",
                           "cet identifiant figure aussi ligne {row} ; chaque produit a le sien"),
    "kb.import_id_taken": ("already a product of the library ({file}); choose another id or edit that file",
                           "déjà un produit de la bibliothèque ({file}) ; choisissez un autre identifiant "
                           "ou modifiez ce fichier"),
}

PLURALS: Final[dict[str, tuple[dict[str, str], dict[str, str]]]] = {
}
