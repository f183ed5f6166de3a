"""Sentences of one part of the bot, merged into handlers.i18n's catalogue (kept apart so that work on
separate features never edits the same file)."""

from __future__ import annotations

from typing import Final

MESSAGES: Final[dict[str, tuple[str, str]]] = {
    "kb.kind_dated": ("{kind}, {when}", "{kind}, {when}"),
    "kb.kind_upcoming": ("Upcoming webinar", "Webinaire à venir"),
    "kb.kind_recording": ("Webinar recording", "Enregistrement du webinaire"),
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
