"""The bot's own sentences, in English and French. Keys are stable; texts may change freely."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Final

from babel import Locale
from babel.numbers import format_decimal

_MESSAGES: Final[dict[str, tuple[str, str]]] = {
    # hcbot admin import: each problem is printed "file:line: field: message", the message below.
    "import.missing": ("missing", "manquant"),
    "import.unknown_field": ("unknown field; the fields here are: {fields}",
                             "champ inconnu ; les champs possibles ici : {fields}"),
    "import.not_date": ("{value} is not a date: write it as YYYY-MM-DD, such as 2026-07-31",
                        "{value} n'est pas une date : écrivez-la AAAA-MM-JJ, par exemple 2026-07-31"),
    "import.no_month": ("{value} is not a date: there is no month {month} (write dates as YYYY-MM-DD)",
                        "{value} n'est pas une date : il n'y a pas de mois {month} (écrivez les dates AAAA-MM-JJ)"),
    "import.no_day": ("{value} is not a date: {month} {year} has {days} days",
                      "{value} n'est pas une date : {month} {year} compte {days} jours"),
    "import.choice": ("{value} is not one of: {choices}", "{value} ne fait pas partie des valeurs possibles : {choices}"),
    "import.code": ("{value} is not a code: use lowercase letters, digits and hyphens, such as sahelia-2026",
                    "{value} n'est pas un code : utilisez des minuscules, des chiffres et des tirets, par exemple sahelia-2026"),
    "import.text": ("{value} should be text (put it in quotes)", "{value} devrait être un texte (mettez-le entre guillemets)"),
    "import.whole_number": ("{value} is not a whole number", "{value} n'est pas un nombre entier"),
    "import.at_least": ("should be {limit} or more", "devrait valoir {limit} ou plus"),
    "import.at_most": ("should be {limit} or less", "devrait valoir {limit} ou moins"),
    "import.list": ("should be a list, such as [a, b]", "devrait être une liste, par exemple [a, b]"),
    "import.mapping": ("should be a record: fields with their values (name: value)",
                       "devrait être un enregistrement : des champs suivis chacun de sa valeur, un par ligne"),
    "import.records": ("should be a list of records, each starting with '- '",
                       "devrait être une liste d'enregistrements, chacun commençant par '- '"),
    "import.empty": ("the file is empty (or only comments)", "le fichier est vide (ou ne contient que des commentaires)"),
    "import.top": ("expected 'operations:' and/or 'people:' at the start of a line",
                   "'operations:' ou 'people:' attendu en début de ligne"),
    "import.invalid": ("{value} is not accepted here", "{value} n'est pas accepté ici"),
    "import.yes_no": ("YAML reads this as {value} (it takes yes, no, on, off, true and false for a yes or a no): "
                      "put the text in quotes",
                      "YAML lit ceci comme {value} (il prend yes, no, on, off, true et false pour un oui ou un non) : "
                      "mettez le texte entre guillemets"),
    "import.timezone": ("unknown timezone {value} (use an IANA name such as Africa/Ndjamena)",
                        "fuseau horaire inconnu {value} (utilisez un nom IANA comme Africa/Ndjamena)"),
    "import.email": ("{value} is not an e-mail address", "{value} n'est pas une adresse électronique"),
    "import.unknown_topic": ("unknown topic {value}; the topics are: {topics}",
                             "sujet inconnu {value} ; les sujets sont : {topics}"),
    "import.topic_twice": ("the topic {value} is listed twice", "le sujet {value} figure deux fois"),
    "import.ends_before_start": ("{later} is before the start, {earlier}", "{later} est avant le début, le {earlier}"),
    "import.due_before_adoption": ("{later} is before the plan's adoption, {earlier}",
                                   "{later} est avant l'adoption du plan, le {earlier}"),
    "import.twice": ("{what} is already on line {line}; give it once",
                     "{what} figure déjà à la ligne {line} ; ne l'indiquez qu'une fois"),
    "import.twice_operation": ("the operation {code}", "l'opération {code}"),
    "import.twice_person": ("the person {email}", "la personne {email}"),
    "import.twice_mission": ("the {kind} mission starting {starts_on}", "la mission {kind} commençant le {starts_on}"),
    "import.twice_plan": ("the plan {code}", "le plan {code}"),
    "import.twice_action": ("action {plan},{number}", "l'action {plan},{number}"),
    "import.unknown_operation": ("no operation with code {code} in this file or the database",
                                 "aucune opération de code {code} dans ce fichier ni dans la base"),
    "import.unknown_person": ("no person with e-mail {email} in this file or the database",
                              "aucune personne d'adresse {email} dans ce fichier ni dans la base"),
    "import.unknown_plan": ("no plan with code {code} in the database (import its operation's YAML file first)",
                            "aucun plan de code {code} dans la base (importez d'abord le fichier YAML de son opération)"),
    "import.csv_header": (
        "the first line should name the columns: email,name,role[,language,operation,timezone] for people, or "
        "plan,number,title[,owner,due_on,topics] for actions, separated by commas or semicolons; it reads {found}",
        "la première ligne devrait nommer les colonnes : email,name,role[,language,operation,timezone] pour des "
        "personnes, ou plan,number,title[,owner,due_on,topics] pour des actions, séparées par des virgules ou des "
        "points-virgules ; elle contient {found}"),
    "import.csv_unknown_column": ("unknown column; the columns are: {columns}",
                                  "colonne inconnue ; les colonnes possibles sont : {columns}"),
    "import.csv_column_twice": ("this column is given twice", "cette colonne figure deux fois"),
    "import.csv_extra_cells": ("a value in a column with no name on the first line",
                               "une valeur dans une colonne sans nom en première ligne"),
    "import.csv_unreadable": ("cannot be read as CSV ({reason})", "illisible en CSV ({reason})"),
    "import.nul": ("a NUL byte: this is not a text file; save it again as CSV UTF-8",
                   "un octet NUL : ce n'est pas un fichier texte ; enregistrez-le à nouveau en CSV UTF-8"),
    "import.no_file": ("no such file", "fichier introuvable"),
    "import.folder": ("is a folder, not a file", "est un dossier, pas un fichier"),
    "import.unreadable": ("cannot be read ({reason})", "illisible ({reason})"),
    "import.suffix": ("use a .yaml, .yml or .csv file", "utilisez un fichier .yaml, .yml ou .csv"),
    "import.spreadsheet": ("{name} is a spreadsheet: save the sheet as CSV UTF-8 (Excel: File > Save As > "
                           "\"CSV UTF-8\") and import that file",
                           "{name} est un classeur : enregistrez la feuille en CSV UTF-8 (Excel : Fichier > "
                           "Enregistrer sous > « CSV UTF-8 ») et importez ce fichier"),
    "import.binary": ("{name} is not a text file (a spreadsheet or a zip?): save it as CSV UTF-8 and import that",
                      "{name} n'est pas un fichier texte (un classeur, une archive ?) : enregistrez-le en CSV UTF-8 et "
                      "importez ce fichier"),
    "import.not_utf8": ("{name} is not saved as UTF-8 (it looks like {guess}, as Excel saves it by default): this is "
                        "the first line it cannot read. Save {name} as UTF-8 (Excel: File > Save As > \"CSV UTF-8\"; "
                        "a text editor: encoding UTF-8) and import it again",
                        "{name} n'est pas enregistré en UTF-8 (on dirait du {guess}, l'enregistrement par défaut "
                        "d'Excel) : c'est la première ligne illisible. Enregistrez {name} en UTF-8 (Excel : Fichier > "
                        "Enregistrer sous > « CSV UTF-8 » ; un éditeur de texte : encodage UTF-8) et importez-le à nouveau"),
    "import.unknown_encoding": ("another encoding", "un autre encodage"),
    "import.too_big": ("{size} is more than an import may be, {limit} (HCBOT_IMPORT_MAX_BYTES): split the file, "
                       "or raise the limit",
                       "{size}, c'est plus qu'un import ne peut faire, {limit} (HCBOT_IMPORT_MAX_BYTES) : divisez le "
                       "fichier, ou relevez la limite"),
    "import.counts": ("{kind}: {created} created, {updated} updated, {unchanged} unchanged",
                      "{kind} — créés : {created}, modifiés : {updated}, inchangés : {unchanged}"),
    "import.kind_operations": ("operations", "opérations"),
    "import.kind_people": ("people", "personnes"),
    "import.kind_missions": ("missions", "missions"),
    "import.kind_plans": ("plans", "plans"),
    "import.kind_actions": ("actions", "actions"),
    "import.nothing_to_import": ("nothing to import", "rien à importer"),
    "import.done": ("imported {file}: {report}", "{file} importé : {report}"),
    "import.nothing_imported": ("nothing was imported.", "rien n'a été importé."),
    "answer.intro": ("Here is how other operations handled it:", "Voici comment d'autres opérations s'y sont prises :"),
    "answer.intro_topic": ("Here is how other operations handled {topics}:",
                           "Voici comment d'autres opérations ont traité {topics} :"),
    "answer.filtered": ("Products matching: {filters}", "Produits correspondants : {filters}"),
    "answer.relaxed": ("Nothing matched {dropped}, so here is what other operations did:",
                       "Rien ne correspondait à {dropped} ; voici ce que d'autres opérations ont fait :"),
    "answer.more_hint": ("Type /more for the next ones.", "Tapez /plus pour la suite."),
    "answer.read_hint": ("Type /read followed by the number or id to read a product here.",
                         "Tapez /lire suivi du numéro ou de l'identifiant pour lire un produit ici."),
    "answer.no_more": ("That was everything I found. Ask another question, or type /topics.",
                       "C'est tout ce que j'ai trouvé. Posez une autre question, ou tapez /sujets."),
    "answer.corrected": ("(I read {corrections}.)", "(J'ai lu {corrections}.)"),
    "answer.unsure": ("These may help, though I am not certain:", "Ceci peut aider, sans certitude de ma part :"),
    "answer.unsure_offer": ("If they miss the point, I can pass your question to the P2P secretariat.",
                            "Si cela ne répond pas, je peux transmettre votre question au secrétariat P2P."),
    "answer.read_number": ("/read {number}", "/lire {number}"),
    "decline.short": ("I found nothing in the library that answers this, and I would rather say so than guess.",
                      "Je n'ai rien trouvé dans la bibliothèque qui réponde à cela, et je préfère le dire plutôt que deviner."),
    "decline.nearby": ("Closest topics: {topics}. /topics lists them all.",
                       "Sujets les plus proches : {topics}. /sujets les liste tous."),
    "decline.personal": ("That sounds like a personal or IT matter, which I cannot help with: I know how operations handled "
                         "coordination questions. /topics lists them.",
                         "Cela ressemble à une affaire personnelle ou informatique, pour laquelle je ne peux rien : je sais "
                         "comment des opérations ont traité des questions de coordination. /sujets les liste."),
    "decline.contact": ("I do not give out anyone's contact details. The P2P secretariat can put you in touch: shall I "
                        "pass your request on?",
                        "Je ne communique les coordonnées de personne. Le secrétariat P2P peut vous mettre en relation : "
                        "je lui transmets votre demande ?"),
    "decline.no_nearby": ("Type /topics to see what the library covers.",
                          "Tapez /sujets pour voir ce que couvre la bibliothèque."),
    "followup.narrowed": ("Your last question, limited to {filters}:", "Votre dernière question, limitée à : {filters}"),
    "followup.topic_narrowed": ("Topic \"{topic}\", limited to {filters}:", "Sujet « {topic} », limité à : {filters}"),
    "followup.nothing": ("Nothing in the library answers your last question with {filters}. The earlier results still stand: /more.",
                         "Rien dans la bibliothèque ne répond à votre dernière question avec : {filters}. Les résultats précédents restent valables : /plus."),
    "followup.nothing_either": ("Nothing in the library answers your last question with {filters} either. Try other words, or /topics.",
                                "Rien dans la bibliothèque ne répond non plus à votre dernière question avec : {filters}. Essayez d'autres mots, ou /sujets."),
    "followup.like": ("More like \"{title}\":", "Dans la même veine que « {title} » :"),
    "followup.no_such": ("There is no result {number} in your last answer. Type /more to see more of them.",
                         "Il n'y a pas de résultat {number} dans votre dernière réponse. Tapez /plus pour en voir davantage."),
    "smalltalk.greeting": ("Hello! Ask me how other operations handled something, or type /help.",
                           "Bonjour ! Demandez-moi comment d'autres opérations ont fait, ou tapez /aide."),
    "smalltalk.thanks": ("You are welcome.", "Avec plaisir."),
    "smalltalk.ack": ("Good. Ask me another question whenever you like.",
                      "Très bien. Posez-moi une autre question quand vous voulez."),
    "smalltalk.bye": ("Goodbye, and good luck with the response.", "Au revoir, et bon courage pour la réponse."),
    "smalltalk.what": ("Ask me in a sentence how other operations handled something, for example: how did others set up a PSEA network? /help lists what I can do.",
                       "Demandez-moi en une phrase comment d'autres opérations ont fait, par exemple : comment d'autres ont-ils mis en place un réseau PEAS ? /aide liste ce que je sais faire."),
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
    "topic.unknown": ("I do not know the topic \"{name}\". Type /topics to see them all.",
                      "Je ne connais pas le sujet « {name} ». Tapez /sujets pour les voir tous."),
    "topic.missing": ("Which topic? For example: /topic psea. Type /topics to see them all.",
                      "Quel sujet ? Par exemple : /sujet psea. Tapez /sujets pour les voir tous."),
    "topic.intro": ("Learning products on {topic}:", "Produits d'apprentissage sur : {topic}"),
    "more.nothing": ("There is nothing more to show. Ask a question first, or type /topics.",
                     "Il n'y a rien de plus à montrer. Posez d'abord une question, ou tapez /sujets."),
    "read.missing": ("Which product? Type /read 1 for the first result, or /read and its id.",
                     "Quel produit ? Tapez /lire 1 pour le premier résultat, ou /lire et son identifiant."),
    "read.no_answer": ("There is no answer with results to read yet. Ask a question: /read 2 then reads its second result.",
                       "Il n'y a pas encore de réponse avec des résultats à lire. Posez une question : /lire 2 lira alors son deuxième résultat."),
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
    "unknown_command_near": ("I do not know the command /{name}. Did you mean /{near}? Type /help to see what I can do.",
                             "Je ne connais pas la commande /{name}. Vouliez-vous dire /{near} ? Tapez /aide pour voir ce que je sais faire."),
    "empty": ("Ask me how other operations handled something, or type /help.",
              "Demandez-moi comment d'autres opérations ont géré quelque chose, ou tapez /aide."),
    "too_long": ("That message is too long for me to search; could you ask it in a sentence or two?",
                 "Ce message est trop long pour une recherche ; pouvez-vous le poser en une ou deux phrases ?"),
    "error": ("Sorry, something went wrong on my side. Your conversation is safe; please try again.",
              "Désolé, un problème est survenu de mon côté. Votre conversation est intacte ; réessayez."),
    "unknown_button": ("That button has expired. Ask your question again, or type /help.",
                       "Ce bouton a expiré. Posez à nouveau votre question, ou tapez /aide."),
    "status.not_started": ("Not started", "Pas commencé"),
    "status.on_track": ("On track", "En bonne voie"),
    "status.delayed": ("Delayed", "En retard"),
    "status.blocked": ("Blocked", "Bloqué"),
    "status.done": ("Done", "Fait"),
    "checkin.skip": ("Skip", "Passer"),
    "checkin.later": ("Later", "Plus tard"),
    "checkin.no_note": ("No note", "Pas de note"),
    "checkin.progress": ("Check-in on {plan}: action {number} of {total}",
                         "Point sur {plan} : action {number} sur {total}"),
    "checkin.owner_due": ("Owner: {owner} · due {due}", "Responsable : {owner} · échéance {due}"),
    "checkin.ask_first": ("No status yet. Where does it stand?", "Pas encore de statut. Où en est-elle ?"),
    "checkin.ask_again": ("Last time, {date}: {status}. Still {again}?", "La dernière fois, le {date} : {status}. Toujours {again} ?"),
    "checkin.ask_note": ("{status}. Any note for the update? Type it, or press No note.",
                         "{status}. Une note pour la mise à jour ? Écrivez-la, ou choisissez Pas de note."),
    "checkin.resumed": ("Welcome back: we were here.", "Re-bonjour : nous en étions là."),
    "checkin.paused": ("Paused. Send me any message when you are ready and we will pick up at the same action.",
                       "En pause. Envoyez-moi un message quand vous êtes prêt·e et nous reprendrons à la même action."),
    "checkin.not_understood": ("I did not catch a status there. You can answer with:",
                               "Je n'ai pas reconnu de statut. Vous pouvez répondre :"),
    "checkin.finished": ("Check-in done, thank you: {updated}, {skipped}.", "Point terminé, merci : {updated}, {skipped}."),
    "checkin.next_steps": ("Type /plan to see the whole plan, or /report for the draft update to the ERC.",
                           "Tapez /plan pour voir tout le plan, ou /rapport pour le projet de mise à jour au CSU."),
    "checkin.nothing": ("You have no open actions to report on. Type /plan to see the plan.",
                        "Vous n'avez aucune action en cours à renseigner. Tapez /plan pour voir le plan."),
    "checkin.none_open": ("That check-in is already finished. Type /checkin to start a new one.",
                          "Ce point est déjà terminé. Tapez /point pour en commencer un nouveau."),
    "checkin.stale_button": ("That button was for an earlier question; here is where we are.",
                             "Ce bouton concernait une question précédente ; voici où nous en sommes."),
    "checkin.resume_offer": ("We were at action {number} of {total} of your check-in.",
                             "Nous en étions à l'action {number} sur {total} de votre point."),
    "checkin.still_paused": ("Your check-in stays paused at action {number} of {total}.",
                             "Votre point reste en pause à l'action {number} sur {total}."),
    "checkin.note_explained": ("A note is a line for the draft update to the ERC: what moved, what is in the way. "
                               "Type it, or press No note.",
                               "Une note est une ligne pour le projet de mise à jour au CSU : ce qui a avancé, ce qui "
                               "bloque. Écrivez-la, ou choisissez Pas de note."),
    "checkin.continue": ("Continue", "Continuer"),
    "checkin.question_hint": ("A question for the library? Ask it with a question mark and I will answer it.",
                              "Une question pour la bibliothèque ? Posez-la avec un point d'interrogation et j'y répondrai."),
    "count.label": ("{label}: {count}", "{label} : {count}"),
    "checkin.waiting": ("Your check-in is waiting at action {number} of {total}: answer it, or type skip or later.",
                        "Votre point attend à l'action {number} sur {total} : répondez, ou tapez passer ou plus tard."),
    "checkin.saved": ("✓ #{number} {status}.", "✓ #{number} {status}."),
    "checkin.saved_note": ("✓ #{number} {status}: {note}", "✓ #{number} {status} : {note}"),
    "checkin.was": ("(was {status})", "(au lieu de {status})"),
    "checkin.change": ("Change #{number}", "Modifier #{number}"),
    "checkin.keep": ("Keep", "Garder"),
    "checkin.ask_correction": ("You answered: {answer}. Keep it, or choose another status.",
                               "Vous avez répondu : {answer}. La garder, ou choisir un autre statut ?"),
    "checkin.first_action": ("This is the first action: there is nothing before it.",
                             "C'est la première action : il n'y a rien avant."),
    "checkin.nothing_to_undo": ("Nothing is saved yet in this check-in, so there is nothing to undo.",
                                "Rien n'est encore enregistré dans ce point : il n'y a rien à annuler."),
    "checkin.undone": ("Undone: nothing is saved for #{number}.", "Annulé : rien n'est enregistré pour #{number}."),
    "checkin.pending_changed": ("Got it: {status}, not {previous}.", "Entendu : {status}, et non {previous}."),
    "checkin.type_note": ("Type the note in one message, or press No note.",
                          "Écrivez la note en un message, ou choisissez Pas de note."),
    "checkin.walk_paused": ("Your check-in at action {number} of {total} waits until this one is done.",
                            "Votre point à l'action {number} sur {total} attend que celle-ci soit faite."),
    "checkin.walk_waits": ("Your check-in waits at action {number} of {total}: /checkin to go on.",
                           "Votre point attend à l'action {number} sur {total} : /point pour continuer."),
    "checkin.finished_single": ("Check-in done, thank you.", "Point terminé, merci."),
    "checkin.single_next": ("Type /history {number} for this action's updates, /plan for the whole plan.",
                            "Tapez /historique {number} pour les mises à jour de cette action, /plan pour tout le plan."),
    "checkin.other_plan_closed": ("Your check-in on {plan} is closed; what you answered is saved.",
                                  "Votre point sur {plan} est clos ; vos réponses sont enregistrées."),
    "checkin.no_such_action": ("There is no action #{number} in {plan}. Type /plan to see its actions.",
                               "Il n'y a pas d'action #{number} dans {plan}. Tapez /plan pour voir ses actions."),
    "checkin.not_yours": ("Action #{number} is not yours to update (owner: {owner}). Type /plan to see the plan.",
                          "L'action #{number} n'est pas à vous de la mettre à jour (responsable : {owner}). "
                          "Tapez /plan pour voir le plan."),
    "update.usage": ("Say which action and where it stands: /update 3 done \"the note\" (statuses: {statuses}).",
                     "Dites quelle action et où elle en est : /maj 3 fait \"la note\" (statuts : {statuses})."),
    "update.which_action": ("“{said}”: for which action? Type /update and its number, as in /update {number} {said}. "
                            "/plan shows the numbers; /checkin goes through them one by one.",
                            "« {said} » : pour quelle action ? Tapez /maj et son numéro, comme /maj {number} {said}. "
                            "/plan montre les numéros ; /point les passe une par une."),
    "history.usage": ("Which action? For example: /history 3.", "Quelle action ? Par exemple : /historique 3."),
    "history.none": ("No updates yet. Type /checkin {number} to give one.",
                     "Pas encore de mise à jour. Tapez /point {number} pour en donner une."),
    "history.header": ("Updates, newest first:", "Mises à jour, de la plus récente à la plus ancienne :"),
    "history.you": ("you", "vous"),
    "history.replaced": ("replaced by a correction", "remplacée par une correction"),
    "pause.on_self": ("Paused until {date}: no check-ins or reminders until then. /pause off to resume earlier.",
                      "En pause jusqu'au {date} : ni point ni rappel d'ici là. /pause off pour reprendre plus tôt."),
    "pause.off_self": ("Resumed: check-ins and reminders are back on.", "Reprise : les points et les rappels reprennent."),
    "pause.status_self": ("You are paused until {date}. /pause off to resume.",
                          "Vous êtes en pause jusqu'au {date}. /pause off pour reprendre."),
    "plan.unknown": ("I cannot find a plan \"{code}\" that you may see.", "Je ne trouve pas de plan « {code} » que vous puissiez voir."),
    "plan.none": ("There is no action plan for your operation yet.", "Il n'y a pas encore de plan d'action pour votre opération."),
    "stranger": ("I do not know you yet, so I cannot show any plan. Ask the P2P secretariat (or your HC's office) for an "
                 "invite code and send it here with /link CODE. You can still ask me how other operations handled something.",
                 "Je ne vous connais pas encore et ne peux donc montrer aucun plan. Demandez au secrétariat P2P (ou au "
                 "bureau de votre CH) un code d'invitation et envoyez-le ici avec /lier CODE. Vous pouvez toujours me "
                 "demander comment d'autres opérations ont fait."),
    "stranger.checkin": ("Check-ins are for the people of an operation's plan, and I do not know you yet. Send the code the "
                         "P2P secretariat gave you with /link CODE.",
                         "Les points d'étape sont pour les personnes du plan d'une opération, et je ne vous connais pas "
                         "encore. Envoyez le code reçu du secrétariat P2P avec /lier CODE."),
    "stranger.pause": ("Pausing holds the check-ins and reminders of registered people, and I do not know you yet: you "
                       "get none. To register this chat, send the code the P2P secretariat gave you with /link CODE.",
                       "La pause suspend les points et rappels des personnes inscrites ; je ne vous connais pas encore "
                       "et vous n'en recevez pas. Pour inscrire ce compte, envoyez le code reçu du secrétariat P2P avec "
                       "/lier CODE."),
    "stranger.submitted": ("Only the HC of an operation, or the secretariat, can mark its update as sent, and I do not "
                           "know you yet. Send the code the P2P secretariat gave you with /link CODE.",
                           "Seuls le CH d'une opération et le secrétariat peuvent marquer sa mise à jour comme envoyée, "
                           "et je ne vous connais pas encore. Envoyez le code reçu du secrétariat P2P avec /lier CODE."),
    "stranger.notices": ("Notices are for registered people: send the code the P2P secretariat gave you with /link CODE.",
                         "Les annonces sont pour les personnes inscrites : envoyez le code reçu du secrétariat P2P avec "
                         "/lier CODE."),
    "stranger.follow": ("Following a topic brings its notices, which are for registered people: send the code the P2P "
                        "secretariat gave you with /link CODE. You can still ask me about any topic.",
                        "Suivre un sujet, c'est recevoir ses annonces, réservées aux personnes inscrites : envoyez le "
                        "code reçu du secrétariat P2P avec /lier CODE. Vous pouvez toujours me poser des questions sur "
                        "tous les sujets."),
    "invite.unknown_person": ("No registered person has the e-mail {email}.", "Aucune personne inscrite n'a l'adresse {email}."),
    "invite.bad_code": ("That code does not work: it may be mistyped, used already or expired. Ask the P2P secretariat for a new one.",
                        "Ce code ne fonctionne pas : il est peut-être mal tapé, déjà utilisé ou expiré. Demandez-en un nouveau au secrétariat P2P."),
    "invite.too_many": ("Too many codes that did not work from this chat: please wait an hour, or ask the P2P "
                        "secretariat for a new code.",
                        "Trop de codes erronés depuis ce compte : attendez une heure, ou demandez un nouveau code "
                        "au secrétariat P2P."),
    "invite.how": ("To see your operation's plan here, send the code the P2P secretariat gave you: /link CODE.",
                   "Pour voir ici le plan de votre opération, envoyez le code reçu du secrétariat P2P : /lier CODE."),
    "invite.already": ("This chat is already linked to {name}.", "Ce compte est déjà lié à {name}."),
    "invite.linked": ("Welcome, {name}: this chat is now linked to your registration. Check-ins and reminders about your plan will come here.",
                      "Bienvenue, {name} : ce compte est maintenant lié à votre inscription. Les points et rappels sur votre plan arriveront ici."),
    "broadcast.refused": ("Only the P2P secretariat can send notices. If you have one to share, send it to them and they will pass it on.",
                          "Seul le secrétariat P2P peut envoyer des annonces. Si vous en avez une, envoyez-la-lui et il la relaiera."),
    "notice.webinar": ("Webinar", "Webinaire"),
    "notice.when": ("When", "Quand"),
    "notice.minutes": ("{minutes} min", "{minutes} min"),
    "notice.speakers": ("Speakers", "Intervenants"),
    "notice.join": ("Join", "Rejoindre"),
    "notice.calendar": ("The attached .ics file adds it to your calendar.",
                 "Le fichier .ics joint l'ajoute à votre agenda."),
    "notice.topics": ("Topics", "Sujets"),
    "notice.footer": ("You get notices from the P2P secretariat; /notices off stops them.",
               "Vous recevez les annonces du secrétariat P2P ; /annonces off les arrête."),
    "home.title": ("hcbot: peer support for humanitarian leaders",
                   "hcbot : l'appui entre pairs pour les responsables humanitaires"),
    "home.greeting": ("Hello {name}.", "Bonjour {name}."),
    "home.ask": ("Send me a message to ask how other operations handled something: I answer from the P2P "
                 "learning products, in English or French.",
                 "Envoyez-moi un message pour demander comment d'autres opérations ont fait : je réponds à partir "
                 "des produits d'apprentissage P2P, en français ou en anglais."),
    "home.stranger": ("I do not know you yet, so I show no plan here.",
                      "Je ne vous connais pas encore : je n'affiche donc aucun plan ici."),
    "home.checkin": ("Check in", "Faire le point"),
    "input.garbled": ("Some characters in that message could not be read; could you type it again?",
                      "Certains caractères de ce message sont illisibles ; pouvez-vous le retaper ?"),
    "checkin.note_too_long": ("That note is {length} characters; a note can be {limit} at most. Could you shorten "
                              "it and send it again?",
                              "Cette note fait {length} caractères ; une note en compte {limit} au plus. Pouvez-vous "
                              "la raccourcir et la renvoyer ?"),
    "product.in_fr": ("in French", "en français"),
    "product.in_en": ("in English", "en anglais"),
    "answered_in_private": ("I am answering in our direct messages.", "Je vous réponds en message direct."),
    "text_only": ("I can only read text: type your question or answer in words.",
                  "Je ne lis que le texte : tapez votre question ou votre réponse en mots."),
    "broadcast.bad_time": ("I cannot read \"{value}\" as a time: type a date and a time, such as 2026-12-01 09:00, or now.",
                           "Je ne lis pas « {value} » comme une heure : tapez une date et une heure, par exemple 2026-12-01 09:00, ou maintenant."),
    "broadcast.past_time": ("That time is already past: give one to come, such as 2026-12-01 09:00, or now.",
                            "Cette heure est déjà passée : donnez-en une à venir, par exemple 2026-12-01 09:00, ou maintenant."),
    "broadcast.time_passed": ("The time you chose, {when}, has passed meanwhile: type time to choose another.",
                              "L'heure choisie, {when}, est passée entre-temps : tapez heure pour en choisir une autre."),
    "broadcast.scheduled": ("Broadcast {id} is scheduled for {when}; /broadcast status {id} follows it.",
                            "L'annonce {id} est programmée pour le {when} ; /annonce statut {id} pour la suivre."),
    "broadcast.none": ("No broadcast has gone out yet: /broadcast composes one.",
                       "Aucune annonce n'est encore partie : /annonce en rédige une."),
    "broadcast.resumed": ("Your notice in progress:", "Votre annonce en cours :"),
    "broadcast.ask_text": ("Send the notice in English; a line ---fr--- then the French text adds the French. For a webinar, press Webinar first. Type cancel to stop.",
                           "Envoyez l'annonce en anglais ; une ligne ---fr--- puis le texte français ajoute le français. Pour un webinaire, appuyez d'abord sur Webinaire. Tapez annuler pour arrêter."),
    "broadcast.ask_french": ("Now the French text, for French-speaking recipients (or skip: they get the English).",
                             "Maintenant le texte français, pour les destinataires francophones (ou passer : ils recevront l'anglais)."),
    "broadcast.no_french": ("No French text", "Pas de texte français"),
    "broadcast.ask_audience": ("Who should get it? Choose, or type a combination such as role=hc,country=Chad (keys: role, operation, country, language, topic).",
                               "Qui doit la recevoir ? Choisissez, ou tapez une combinaison comme role=hc,country=Chad (clés : role, operation, country, language, topic)."),
    "broadcast.audience_all": ("Everyone", "Tout le monde"),
    "broadcast.audience_hc": ("HCs", "CH"),
    "broadcast.audience_hct": ("HCT members", "Membres des EHP"),
    "broadcast.audience_fr": ("French speakers", "Francophones"),
    "broadcast.bad_text": ("I cannot use that notice: {problems}. Send it again.", "Je ne peux pas utiliser cette annonce : {problems}. Renvoyez-la."),
    "broadcast.bad_audience": ("I cannot read that audience: {problem}", "Je ne comprends pas ce public : {problem}"),
    "broadcast.preview": ("Preview (as an English speaker sees it):", "Aperçu (tel que le voit un anglophone) :"),
    "broadcast.preview_fr": ("Preview (as a French speaker sees it):", "Aperçu (tel que le voit un francophone) :"),
    "broadcast.left_out": ("Left out: {reasons}.", "Écartées : {reasons}."),
    "broadcast.when_now": ("Goes now: each person gets it in their working hours, their time.",
                           "Part maintenant : chacun la reçoit pendant ses heures de travail, à son heure."),
    "broadcast.when_at": ("Goes {when} (your time), to each person in their working hours.",
                          "Part le {when} (votre heure), à chacun pendant ses heures de travail."),
    "broadcast.change_hint": ("To change it, type audience or time; cancel stops.",
                              "Pour la changer, tapez public ou heure ; annuler arrête."),
    "broadcast.nobody": ("Nobody would get it, so there is nothing to send: change the audience.",
                         "Personne ne la recevrait : il n'y a rien à envoyer. Changez le public."),
    "broadcast.schedule": ("Schedule", "Programmer"),
    "broadcast.change_audience": ("Audience", "Public"),
    "broadcast.change_time": ("Time", "Heure"),
    "broadcast.now": ("Now", "Maintenant"),
    "broadcast.ask_time": ("When should it go? A date and a time, yours ({zone}), such as 2026-12-01 09:00; or now.",
                           "Quand doit-elle partir ? Une date et une heure, la vôtre ({zone}), par exemple 2026-12-01 09:00 ; ou maintenant."),
    "broadcast.current_audience": ("Now: {audience}.", "Actuellement : {audience}."),
    "broadcast.everyone": ("everyone", "tout le monde"),
    "broadcast.nobody_left_out": ("none", "aucune"),
    "broadcast.webinar": ("Webinar", "Webinaire"),
    "broadcast.ask_text_after_webinar": ("Now the notice in English; a line ---fr--- then the French text adds the French.",
                                         "Maintenant l'annonce en anglais ; une ligne ---fr--- puis le texte français ajoute le français."),
    # /broadcast list, status N, cancel N in the chat.
    "broadcast.desk_refused": ("Broadcasts are the P2P secretariat's notices, so only the secretariat can list, follow or cancel them.",
                               "Les annonces sont celles du secrétariat P2P : lui seul peut les lister, les suivre ou les annuler."),
    "broadcast.not_a_number": ("{value} is not a broadcast number: type for example /broadcast {command} 3 (/broadcast list shows them).",
                               "{value} n'est pas un numéro d'annonce : tapez par exemple /annonce {command} 3 (/annonce liste les montre)."),
    "broadcast.no_such": ("There is no broadcast {id}: /broadcast list shows them.",
                          "Il n'y a pas d'annonce {id} : /annonce liste les montre."),
    "broadcast.cancel_usage": ("Type /broadcast cancel and the broadcast's number, such as /broadcast cancel 3 (/broadcast list shows them).",
                               "Tapez /annonce annuler et le numéro de l'annonce, par exemple /annonce annuler 3 (/annonce liste les montre)."),
    "broadcast.list_title": ("Broadcasts, newest first:", "Annonces, les plus récentes d'abord :"),
    "broadcast.list_empty": ("No broadcast yet: /broadcast composes one.", "Aucune annonce pour l'instant : /annonce en rédige une."),
    "broadcast.state_draft": ("draft", "brouillon"),
    "broadcast.state_yours": ("your draft, in progress", "votre brouillon, en cours"),
    "broadcast.state_scheduled": ("scheduled for {when}", "programmée pour le {when}"),
    "broadcast.state_released": ("released {when}", "envoyée le {when}"),
    "broadcast.state_cancelled": ("cancelled {when}", "annulée le {when}"),
    "broadcast.status_title": ("Broadcast {id}: {state}", "Annonce {id} : {state}"),
    "broadcast.status_audience": ("Audience: {audience}.", "Public : {audience}."),
    "broadcast.status_took": ("The last message went {seconds} s after the release.",
                              "Dernier message parti {seconds} s après l'envoi."),
    "broadcast.cancelled_unsent": ("Broadcast {id} is cancelled: it had not gone out, nothing was sent.",
                                   "L'annonce {id} est annulée : elle n'était pas partie, rien n'a été envoyé."),
    "broadcast.cancel_already": ("Broadcast {id} was already cancelled.", "L'annonce {id} était déjà annulée."),
    "broadcast.cancel_nothing_left": ("Broadcast {id} had already gone out in full: there was nothing left to withdraw.",
                                      "L'annonce {id} était déjà partie en entier : il n'y avait plus rien à retirer."),
    # An audience that cannot be read ("hcbot broadcast send --audience" prints the English).
    "audience.key_value": ("{part}: use key=value with a key among {keys}.", "{part} : écrivez clé=valeur, avec une clé parmi {keys}."),
    "audience.key_suggest": ("{part}: there is no key {typed}; did you mean {suggestion}?",
                             "{part} : il n'y a pas de clé {typed} ; vouliez-vous dire {suggestion} ?"),
    "audience.empty": ("{part}: the value is empty.", "{part} : la valeur est vide."),
    "audience.role": ("unknown role {value}; the roles are: {choices}.", "rôle inconnu {value} ; les rôles sont : {choices}."),
    "audience.language": ("unknown language {value}; the languages are: en, fr.",
                          "langue inconnue {value} ; les langues sont : en, fr."),
    "audience.topic": ("unknown topic {value}; the topics are: {choices}.", "sujet inconnu {value} ; les sujets sont : {choices}."),
    # Why an audience reaches nobody.
    "reach.no_country_suggest": ('No country "{value}": did you mean "{suggestion}"?',
                                 "Aucun pays « {value} » : vouliez-vous dire « {suggestion} » ?"),
    "reach.no_country": ('No country "{value}"; the countries are: {known}.',
                         "Aucun pays « {value} » ; les pays sont : {known}."),
    "reach.no_operation_suggest": ('No operation "{value}": did you mean "{suggestion}"?',
                                   "Aucune opération « {value} » : vouliez-vous dire « {suggestion} » ?"),
    "reach.no_operation": ('No operation "{value}"; the operations are: {known}.',
                           "Aucune opération « {value} » ; les opérations sont : {known}."),
    "reach.no_followers": ("Nobody follows {topic} yet.", "Personne ne suit encore ce sujet : {topic}."),
    "reach.nobody_with": ("Nobody has {criterion}.", "Personne n'a {criterion}."),
    "reach.not_together": ("Each part matches someone, but nobody matches all of {audience} at once.",
                           "Chaque critère trouve quelqu'un, mais personne ne les remplit tous à la fois : {audience}."),
    # The webinar's header asked in the chat.
    "webinar.ask_title": ("The webinar's title?", "Le titre du webinaire ?"),
    "webinar.ask_start": ("When does it start? Date, time and timezone, such as 2026-12-03 14:00 Europe/Zurich (without a timezone: yours, {zone}).",
                          "Quand commence-t-il ? Date, heure et fuseau, par exemple 2026-12-03 14:00 Europe/Zurich (sans fuseau : le vôtre, {zone})."),
    "webinar.ask_duration": ("How long, in minutes? Such as 90 (or 1h30).", "Combien de temps, en minutes ? Par exemple 90 (ou 1h30)."),
    "webinar.ask_link": ("The link to join, such as https://example.org/webinar (or skip).",
                         "Le lien pour y participer, par exemple https://example.org/webinar (ou passer)."),
    "webinar.no_link": ("No link", "Pas de lien"),
    "webinar.noted": ("Webinar noted: {title}, {when}, {minutes} min.", "Webinaire noté : {title}, {when}, {minutes} min."),
    "webinar.bad_title": ("A title needs 3 to 200 characters.", "Un titre compte de 3 à 200 caractères."),
    "webinar.bad_start": ("I cannot read \"{value}\" as a start: type a date, a time and a timezone, such as 2026-12-03 14:00 Europe/Zurich.",
                          "Je ne lis pas « {value} » comme un début : tapez une date, une heure et un fuseau, par exemple 2026-12-03 14:00 Europe/Zurich."),
    "webinar.no_month": ("{value} is not a date: there is no month {month}.", "{value} n'est pas une date : il n'y a pas de mois {month}."),
    "webinar.no_day": ("{value} is not a date: {month} has {days} days.", "{value} n'est pas une date : {month} compte {days} jours."),
    "webinar.bad_clock": ("{value} is not a time of day: use 24-hour time, such as 14:00.",
                          "{value} n'est pas une heure : utilisez l'heure sur 24 heures, par exemple 14:00."),
    "webinar.unknown_zone_suggest": ('Unknown timezone "{value}": did you mean {suggestion}?',
                                     "Fuseau horaire « {value} » inconnu : vouliez-vous dire {suggestion} ?"),
    "webinar.unknown_zone": ('Unknown timezone "{value}": use a name such as Europe/Zurich or Africa/Niamey.',
                             "Fuseau horaire « {value} » inconnu : utilisez un nom comme Europe/Zurich ou Africa/Niamey."),
    "webinar.past": ("That start is already past: give a date to come.", "Ce début est déjà passé : donnez une date à venir."),
    "webinar.bad_duration": ("A duration is minutes between 10 and 600, such as 90 or 1h30.",
                             "Une durée se donne en minutes, de 10 à 600, par exemple 90 ou 1h30."),
    "webinar.bad_answers": ("Some of the webinar's answers can no longer be used: type webinar to give them again.",
                            "Certaines réponses sur le webinaire ne sont plus utilisables : tapez webinaire pour les redonner."),
    "webinar.bad_link": ("That is not a web link: it should look like https://example.org/webinar.",
                         "Ce n'est pas un lien web : il devrait ressembler à https://example.org/webinar."),
    # "Remind me" on a webinar's notice.
    "notice.remind_me": ("Remind me 1 h before", "Me le rappeler 1 h avant"),
    "reminder.set": ("I will remind you on {date} at {time}, an hour before it starts.",
                     "Je vous le rappellerai le {date} à {time}, une heure avant le début."),
    "reminder.already": ("Already noted: I will remind you on {date} at {time}.",
                         "C'est déjà noté : je vous le rappellerai le {date} à {time}."),
    "reminder.started": ("That webinar has already started.", "Ce webinaire a déjà commencé."),
    "reminder.withdrawn": ("The secretariat withdrew that notice, so there is no reminder for it.",
                           "Le secrétariat a retiré cette annonce : il n'y a donc pas de rappel."),
    "reminder.unknown": ("That button belongs to a notice I cannot find.", "Ce bouton appartient à une annonce introuvable."),
    "reminder.title": ("Reminder: {title}", "Rappel : {title}"),
    "broadcast.has_french": ("French speakers get the French text.", "Les francophones reçoivent le texte français."),
    "broadcast.send": ("Send now", "Envoyer"),
    "broadcast.cancel": ("Cancel", "Annuler"),
    "broadcast.confirm_hint": ("Press Send now, or type send or cancel.", "Appuyez sur Envoyer, ou tapez envoyer ou annuler."),
    "broadcast.cancelled": ("Cancelled: nothing was sent.", "Annulée : rien n'a été envoyé."),
    "broadcast.stale_button": ("That button belongs to a notice that is no longer being written.",
                               "Ce bouton appartient à une annonce qui n'est plus en cours."),
    "notices.on": ("You get the secretariat's notices (webinars, new products). /notices off stops them.",
                   "Vous recevez les annonces du secrétariat (webinaires, nouveaux produits). /annonces off les arrête."),
    "notices.off": ("Notices are off: you will not get webinar announcements. Check-ins and reminders about your plan still come. /notices on to resume.",
                    "Annonces désactivées : vous ne recevrez plus les webinaires. Les points et rappels sur votre plan continuent. /annonces on pour reprendre."),
    "notices.usage": ("Type /notices on or /notices off.", "Tapez /annonces on ou /annonces off."),
    "follow.list": ("You follow: {topics}. /follow TOPIC adds one (see /topics).", "Vous suivez : {topics}. /suivre SUJET en ajoute un (voir /sujets)."),
    "follow.done": ("You will get notices about {topic}.", "Vous recevrez les annonces sur : {topic}."),
    "follow.stopped": ("No more notices about {topic}.", "Plus d'annonces sur : {topic}."),
    "follow.none": ("You follow no topic now.", "Vous ne suivez plus aucun sujet."),
    "feedback.thanks_yes": ("Thank you, noted as useful.", "Merci, noté comme utile."),
    "feedback.thanks_no": ("Thank you. I will let the secretariat know it did not help; reply /pass to send them your question too.",
                           "Merci. Je signalerai au secrétariat que cela n'a pas aidé ; répondez /transmettre pour leur envoyer aussi votre question."),
    "feedback.thanks_no_passed": ("Thank you, noted as not useful. The P2P secretariat already has your question.",
                                  "Merci, noté comme pas utile. Le secrétariat P2P a déjà votre question."),
    "feedback.ask": ("Was this useful?", "Est-ce utile ?"),
    "feedback.missed_pass": ("Sorry. Put it in other words and I will look again, or reply /pass to send “{question}” to the P2P secretariat.",
                             "Désolé. Dites-le autrement et je chercherai à nouveau, ou répondez /transmettre pour envoyer « {question} » au secrétariat P2P."),
    "feedback.missed_passed": ("Sorry. Put it in other words and I will look again; the P2P secretariat already has “{question}”.",
                               "Désolé. Dites-le autrement et je chercherai à nouveau ; le secrétariat P2P a déjà « {question} »."),
    "feedback.missed_browse": ("Sorry. Tell me in a sentence what you need on {topic}, and I will search the whole library for it.",
                               "Désolé. Dites-moi en une phrase ce qu'il vous faut sur {topic}, et je chercherai dans toute la bibliothèque."),
    "feedback.missed_start": ("Sorry. Tell me in a sentence what you are looking for, for example: how did others set up a PSEA network?",
                              "Désolé. Dites-moi en une phrase ce que vous cherchez, par exemple : comment d'autres ont-ils mis en place un réseau PEAS ?"),
    "pass.nothing": ("There is no recent question of yours to pass on. Ask it first.",
                     "Il n'y a pas de question récente à transmettre. Posez-la d'abord."),
    "report.ready": ("Here is the draft progress update for {plan}.", "Voici le projet de mise à jour pour {plan}."),
    "report.title": ("Progress update on the action plan", "Point d'avancement du plan d'action"),
    "report.operation": ("Operation", "Opération"),
    "report.mission": ("Mission", "Mission"),
    "report.adopted": ("Plan adopted", "Plan adopté"),
    "report.due": ("Update due to the ERC", "Mise à jour due au CSU"),
    "report.generated": ("Draft generated", "Projet généré"),
    "report.changes_since": ("Changes counted since", "Changements comptés depuis"),
    "report.attention": ("Needs attention: overdue or blocked", "À surveiller : en retard sur l'échéance ou bloqué"),
    "report.overdue_since": ("overdue since", "échéance dépassée depuis le"),
    "report.overdue": ("overdue", "échéance dépassée"),
    "report.changed": ("What changed since the last update", "Ce qui a changé depuis la dernière mise à jour"),
    "report.nothing_changed": ("No status has changed yet.", "Aucun statut n'a encore changé."),
    "report.by_action": ("Action by action", "Action par action"),
    "report.owner": ("Owner", "Responsable"),
    "report.due_short": ("Due", "Échéance"),
    "report.status": ("Status", "Statut"),
    "report.action": ("Action", "Action"),
    "report.no_status": ("No status yet", "Pas encore de statut"),
    "report.summary": ("Summary", "Résumé"),
    "report.support": ("Where support is needed", "Où un appui est nécessaire"),
    "report.progress": ("Progress by action", "Avancement action par action"),
    "report.next_steps": ("Next steps (the next 90 days)", "Prochaines étapes (les 90 prochains jours)"),
    "report.date": ("Date", "Date"),
    "report.date_range": ("{start} to {end}", "{start} au {end}"),
    "report.mission_dates": ("{kind} from {dates}", "{kind} du {dates}"),
    "report.opening": ("This update reports progress on the action plan the HCT adopted on {adopted}, after the {kind} mission of {dates}.",
                       "Cette mise à jour rend compte de l'avancement du plan d'action adopté par l'équipe humanitaire de pays le {adopted}, à la suite de la mission {kind} du {dates}."),
    "report.list_and": ("{first} and {last}", "{first} et {last}"),
    "report.none_done": ("none is done yet", "aucune n'est encore achevée"),
    "report.no_actions": ("The plan has no actions yet.", "Le plan ne compte encore aucune action."),
    "report.since_submitted": ("Since the last update to the ERC on {date}", "Depuis la dernière mise à jour au CSU, le {date}"),
    "report.since_adopted": ("Since the plan was adopted on {date}", "Depuis l'adoption du plan, le {date}"),
    "report.nothing_new": ("{since}, no action has changed status.", "{since}, aucune action n'a changé de statut."),
    "report.change_item": ("action {number} ({before} → {after})", "action {number} ({before} → {after})"),
    "report.status_on": ("{status}, reported {date}", "{status}, signalé le {date}"),
    "report.due_overdue": ("{date} (overdue)", "{date} (échéance dépassée)"),
    "report.latest_note": ("Latest note", "Dernière note"),
    "report.earlier_note": ("Earlier note", "Note précédente"),
    "report.note_by": ("{date}, {name}", "{date}, {name}"),
    "report.no_notes": ("No note yet.", "Pas encore de note."),
    "report.support_none": ("No action is blocked, delayed or overdue.", "Aucune action n'est bloquée, en retard ou hors délai."),
    "report.support_why_status": ("{status} since {date}", "{status} depuis le {date}"),
    "report.support_why_overdue": ("due {date}, not done", "échéance le {date}, non achevée"),
    "report.placeholder": ("[To complete by the HC: the support needed, from whom, by when]",
                           "[À compléter par le CH : l'appui nécessaire, de qui, pour quand]"),
    "report.next_none": ("No action falls due in the next 90 days.", "Aucune action n'arrive à échéance dans les 90 prochains jours."),
    "report.next_item": ("{date}: action {number}, {title} ({owner})", "{date} : action {number}, {title} ({owner})"),
    "report.hc_title": ("Humanitarian Coordinator, {operation}", "Coordonnateur·rice humanitaire, {operation}"),
    "report.hc_unknown": ("[Name of the Humanitarian Coordinator]", "[Nom du ou de la Coordonnateur·rice humanitaire]"),
    "plan.header": ("{plan}: update to the ERC due {due}", "{plan} : mise à jour au CSU due le {due}"),
    "plan.submitted": ("submitted {date}", "envoyée le {date}"),
    "plan.today": ("today", "aujourd'hui"),
    "plan.footer": ("Type /checkin to update, /report for the draft.", "Tapez /point pour mettre à jour, /rapport pour le projet."),
    # Every plan at a glance: /plans (/tableau), for the secretariat and, their own, for an HC.
    "stranger.plans": ("The overview of action plans is for the P2P secretariat and the HCs, and I do not know you yet. "
                       "Send the code the P2P secretariat gave you with /link CODE.",
                       "La vue d'ensemble des plans d'action est réservée au secrétariat P2P et aux CH, et je ne vous "
                       "connais pas encore. Envoyez le code reçu du secrétariat P2P avec /lier CODE."),
    "plans.not_allowed": ("/plans is the P2P secretariat's overview of every operation's plan (an HC sees their own "
                          "there). Your operation's plan: /plan.",
                          "/tableau est la vue d'ensemble du secrétariat P2P sur les plans de toutes les opérations (un "
                          "CH y voit les siens). Le plan de votre opération : /plan."),
    "plans.own_only": ("Here you see your own operation's plans; the P2P secretariat sees every operation's.",
                       "Vous voyez ici les plans de votre opération ; le secrétariat P2P voit ceux de toutes les opérations."),
    "plans.title_all": ("Every operation's plan, the most urgent first", "Les plans de toutes les opérations, les plus urgents d'abord"),
    "plans.title_overdue": ("Plans late with their update to the ERC, the latest first",
                            "Plans en retard pour leur mise à jour au CSU, les plus en retard d'abord"),
    "plans.title_operation": ("Plans of {operation}", "Plans de {operation}"),
    "plans.title_own": ("Your operation's plans", "Les plans de votre opération"),
    "plans.taken_as": ("(you typed “{typed}”)", "(vous avez tapé « {typed} »)"),
    "plans.late_count": ("{count} late", "{count} en retard"),
    "plans.overdue_word": ("overdue", "retard"),
    "plans.when_due": ("{when}, due {date}", "{when}, échéance le {date}"),
    "plans.due_today": ("due today", "échéance aujourd'hui"),
    "plans.sent": ("update sent {date}", "mise à jour envoyée le {date}"),
    "plans.no_hc": ("no HC registered", "aucun CH inscrit"),
    "plans.no_update": ("No status yet", "Sans statut"),
    "plans.no_actions": ("no actions", "aucune action"),
    "plans.last_checkin": ("last check-in {date}", "dernier point le {date}"),
    "plans.no_checkin": ("no check-in yet", "pas encore de point"),
    "plans.none": ("There is no action plan yet.", "Il n'y a pas encore de plan d'action."),
    "plans.none_overdue": ("No plan is late with its update to the ERC.", "Aucun plan n'est en retard pour sa mise à jour au CSU."),
    "plans.page": ("Plans {first}–{last} of {total}.", "Plans {first} à {last} sur {total}."),
    "plans.next": ("Next: /plans {args}", "Suite : /tableau {args}"),
    "plans.next_button": ("Next plans", "Plans suivants"),
    "plans.footer": ("/plan CODE shows one plan; /plans overdue, the late ones; /plans and an operation's name, its plans.",
                     "/plan CODE montre un plan ; /tableau retard, ceux en retard ; /tableau et le nom d'une opération, ses plans."),
    "plans.footer_own": ("/plan shows a plan action by action; /report drafts its update to the ERC.",
                         "/plan montre un plan action par action ; /rapport prépare sa mise à jour au CSU."),
    "plans.unknown_operation": ("I know no operation called “{typed}”. The operations are: {names}.",
                                "Je ne connais pas d'opération « {typed} ». Les opérations sont : {names}."),
    "plans.unknown_operation_many": ("I know no operation called “{typed}”: /plans lists every operation's plans.",
                                     "Je ne connais pas d'opération « {typed} » : /tableau liste les plans de toutes les opérations."),
    "plans.did_you_mean": ("I know no operation called “{typed}”. Did you mean {names}?",
                           "Je ne connais pas d'opération « {typed} ». Vouliez-vous dire {names} ?"),
    "plans.or": ("{first} or {second}", "{first} ou {second}"),
    "plans.button_overdue": ("Late plans", "Plans en retard"),
    "plans.button_all": ("All plans", "Tous les plans"),
    # /submitted asks first, and can be undone for 7 days.
    "submitted.confirm": ("Mark the update to the ERC on {plan} as sent on {date}? Its reminders stop; you can undo it "
                          "within 7 days with /submitted undo.",
                          "Marquer la mise à jour au CSU sur {plan} comme envoyée le {date} ? Ses rappels s'arrêtent ; "
                          "vous pourrez l'annuler dans les 7 jours avec /envoye annuler."),
    "submitted.yes": ("Yes", "Oui"),
    "submitted.no": ("No", "Non"),
    "submitted.declined": ("Nothing recorded: {plan} still waits for its update to the ERC, and its reminders go on.",
                           "Rien n'est enregistré : {plan} attend toujours sa mise à jour au CSU, et ses rappels continuent."),
    "submitted.asked_again": ("That question was more than an hour old, so here it is again, with today's date.",
                              "Cette question datait de plus d'une heure ; la voici à nouveau, à la date d'aujourd'hui."),
    "submitted.which": ("Which plan? Type /submitted and its code, such as /submitted {example} (/plans lists them).",
                        "Quel plan ? Tapez /envoye et son code, par exemple /envoye {example} (/tableau les liste)."),
    "submitted.undo_hint": ("A mistake? /submitted undo, until {until}.", "Une erreur ? /envoye annuler, jusqu'au {until}."),
    "submitted.undo_done": ("Undone: {plan} waits for its update to the ERC again ({when}). The reminders resume where "
                            "they were.",
                            "Annulé : {plan} attend à nouveau sa mise à jour au CSU ({when}). Les rappels reprennent là "
                            "où ils en étaient."),
    "submitted.undo_nothing": ("The update on {plan} is not marked as sent: there is nothing to undo.",
                               "La mise à jour de {plan} n'est pas marquée comme envoyée : il n'y a rien à annuler."),
    "submitted.undo_none": ("None of the plans you see is marked as sent: there is nothing to undo.",
                            "Aucun des plans que vous voyez n'est marqué comme envoyé : il n'y a rien à annuler."),
    "submitted.undo_not_allowed": ("Only the HC of {operation} or the P2P secretariat can undo the submission of {plan}.",
                                   "Seuls le CH de {operation} et le secrétariat P2P peuvent annuler l'envoi de {plan}."),
    "nudge.title": ("Progress update on {plan}", "Point d'avancement sur {plan}"),
    "nudge.due": ("Your update to the ERC is due {date} ({when}).", "Votre mise à jour au CSU est due le {date} ({when})."),
    "nudge.due_today": ("due today", "c'est aujourd'hui"),
    "nudge.progress": ("Actions reported in the last 30 days: {recent} of {total}; without a recent status: {stale}.",
                       "Actions renseignées ces 30 derniers jours : {recent} sur {total} ; sans statut récent : {stale}."),
    "nudge.draft": ("Draft update", "Projet de mise à jour"),
    "nudge.mark_sent": ("Mark as sent", "Marquer comme envoyée"),
    "escalate.title": ("Overdue progress update: {plan}", "Mise à jour en retard : {plan}"),
    "escalate.stopped_title": ("Nudges stopped: {plan}", "Relances arrêtées : {plan}"),
    "checkin.reminder": ("A reminder: your check-in is waiting.", "Un rappel : votre point d'étape vous attend."),
    "submitted.done": ("Marked as sent on {date}: {plan}. No more reminders about this update.",
                       "Marquée comme envoyée le {date} : {plan}. Plus de rappels sur cette mise à jour."),
    "submitted.already": ("{plan} was already marked as sent on {date}.", "{plan} a déjà été marquée comme envoyée le {date}."),
    "submitted.not_allowed": ("Only the HC or the secretariat can mark the update as sent.",
                              "Seuls le CH et le secrétariat peuvent marquer la mise à jour comme envoyée."),
    "pause.on": ("Paused for {name} until {date}: no check-ins or reminders until then. /pause off to resume earlier.",
                 "En pause pour {name} jusqu'au {date} : ni point ni rappel d'ici là. /pause off pour reprendre plus tôt."),
    "pause.off": ("Resumed for {name}.", "Reprise pour {name}."),
    "pause.status": ("{name} is paused until {date}.", "{name} est en pause jusqu'au {date}."),
    "pause.usage": ("Say how long, up to six months: /pause 2w, /pause 10d, /pause 1m; /pause off to resume.",
                    "Indiquez la durée, six mois au plus : /pause 2s, /pause 10j, /pause 1m ; /pause off pour reprendre."),
    "pause.unknown_operation": ("I cannot find an operation \"{code}\".", "Je ne trouve pas d'opération « {code} »."),
    "filter.type": ("type", "type"),
    "filter.country": ("country", "pays"),
    "filter.language": ("language", "langue"),
    # The "ask an expert" loop: passed questions (tickets), the secretariat's answers, the asker's word.
    "pass.done": ("Question #{id} passed to the P2P secretariat: “{question}”",
                  "Question n°\u00a0{id} transmise au secrétariat P2P : « {question} »"),
    "pass.with_note": ("With your note: “{note}”", "Avec votre note : « {note} »"),
    "pass.when_registered": ("Their answer will come to you here, in your working hours.",
                             "Sa réponse vous parviendra ici, à vos heures de travail."),
    "pass.when_stranger": ("Their answer will come to this chat.", "Sa réponse arrivera dans cette conversation."),
    "pass.already": ("Question #{id} is already with the secretariat: “{question}”. To add something, write /pass and a few words.",
                     "La question n°\u00a0{id} est déjà chez le secrétariat : « {question} ». Pour ajouter quelque chose, écrivez /transmettre et quelques mots."),
    "pass.note_added": ("I added your note to question #{id} and told the secretariat.",
                        "J'ai ajouté votre note à la question n°\u00a0{id} et prévenu le secrétariat."),
    "pass.answered": ("Question #{id} was answered on {date}. If it missed, write “not what I needed”, or /pass and what you still need.",
                      "La question n°\u00a0{id} a reçu une réponse le {date}. Si elle ne convient pas, écrivez « pas ce qu'il me fallait », ou /transmettre et ce qu'il vous faut encore."),
    "pass.closed": ("Question #{id} is closed. To reopen it, write /pass and what you still need.",
                    "La question n°\u00a0{id} est close. Pour la rouvrir, écrivez /transmettre et ce qu'il vous faut encore."),
    "pass.reopened": ("Question #{id} is back with the secretariat, with your note.",
                      "La question n°\u00a0{id} retourne au secrétariat, avec votre note."),
    "pass.note_too_long": ("That note is too long: {limit} characters at most. The question itself is passed as you asked it.",
                           "Cette note est trop longue : {limit} caractères au plus. La question est transmise telle que vous l'avez posée."),
    "ticket.detail_title": ("Question #{id}", "Question n°\u00a0{id}"),
    "ticket.told_new": ("Question #{id} for the secretariat", "Question n°\u00a0{id} pour le secrétariat"),
    "ticket.told_reopened": ("Question #{id} is back: the answer did not help", "Retour de la question n°\u00a0{id} : la réponse n'a pas aidé"),
    "ticket.told_note": ("Question #{id}: the asker added a note", "Question n°\u00a0{id} : la personne a ajouté une note"),
    "ticket.from": ("From {who}", "De {who}"),
    "ticket.asked": ("Asked on {date}, in {spoken}:", "Posée le {date}, en {spoken} :"),
    "ticket.stranger": ("someone not registered, on {platform}", "une personne non inscrite, sur {platform}"),
    "ticket.stranger_named": ("{name}, not registered, on {platform}", "{name}, non inscrit·e, sur {platform}"),
    "ticket.someone": ("someone", "quelqu'un"),
    "ticket.channel_label": ("the secretariat's channel", "le canal du secrétariat"),
    "ticket.note": ("Note: “{note}”", "Note : « {note} »"),
    "ticket.found": ("The bot had offered: {titles}", "Le bot avait proposé : {titles}"),
    "ticket.found_nothing": ("The bot found nothing in the library.", "Le bot n'a rien trouvé dans la bibliothèque."),
    "ticket.previous_answer": ("Answer sent on {date}: “{answer}”", "Réponse envoyée le {date} : « {answer} »"),
    "ticket.how": ("Answer with the button, or /answer {id} and your text.",
                   "Répondez avec le bouton, ou /repondre {id} et votre texte."),
    "ticket.not_secretariat": ("Only the P2P secretariat answers passed questions. To pass one of yours, ask it, then /pass.",
                               "Seul le secrétariat P2P répond aux questions transmises. Pour transmettre la vôtre, posez-la, puis /transmettre."),
    "ticket.list_not_secretariat": ("Only the P2P secretariat sees the questions passed to it. To pass one of yours, ask it, then /pass.",
                                    "Seul le secrétariat P2P voit les questions qui lui sont transmises. Pour transmettre la vôtre, posez-la, puis /transmettre."),
    "ticket.not_yours": ("That button belongs to someone else's question.", "Ce bouton concerne la question de quelqu'un d'autre."),
    "ticket.answer_usage": ("Write /answer, the question's number and your answer: /answer 7 The Chad team did this... /questions lists those waiting.",
                            "Écrivez /repondre, le numéro de la question et votre réponse : /repondre 7 L'équipe du Tchad a... /questions liste celles en attente."),
    "ticket.close_usage": ("Write /close and the question's number: /close 7. /questions lists those waiting.",
                           "Écrivez /clore et le numéro de la question : /clore 7. /questions liste celles en attente."),
    "ticket.unknown": ("There is no question #{id}. /questions lists those waiting.",
                       "Il n'y a pas de question n°\u00a0{id}. /questions liste celles en attente."),
    "ticket.already_answered": ("Question #{id} was answered by {name} on {date}. It comes back here if the asker says it missed.",
                                "{name} a répondu à la question n°\u00a0{id} le {date}. Elle reviendra ici si la réponse ne convient pas."),
    "ticket.already_closed": ("Question #{id} is closed ({date}).", "La question n°\u00a0{id} est close ({date})."),
    "ticket.answer_too_long": ("That answer is too long for a chat: {limit} characters at most. Shorten it, or give a link.",
                               "Cette réponse est trop longue pour une messagerie : {limit} caractères au plus. Raccourcissez-la, ou donnez un lien."),
    "ticket.ask_text": ("Your answer to question #{id} from {who}:", "Votre réponse à la question n°\u00a0{id} de {who} :"),
    "ticket.ask_text_hint": ("Type it in one message, or cancel.", "Tapez-la en un message, ou annulez."),
    "ticket.confirm": ("Send this to {who} (question #{id})?", "Envoyer ceci à {who} (question n°\u00a0{id}) ?"),
    "ticket.confirm_hint": ("Send it, type a new text to replace it, or cancel.",
                            "Envoyez-la, tapez un autre texte pour la remplacer, ou annulez."),
    "ticket.replaced": ("Replaced.", "Remplacée."),
    "ticket.draft_cancelled": ("Cancelled: nothing was sent.", "Annulé : rien n'a été envoyé."),
    "ticket.stale_button": ("That button is for an answer no longer being written. /questions {id} shows the question now.",
                            "Ce bouton concerne une réponse qui n'est plus en cours. /questions {id} montre la question."),
    "ticket.sent": ("Sent to {who} (question #{id}).", "Envoyée à {who} (question n°\u00a0{id})."),
    "ticket.sent_later": ("It reaches them in their working hours: {date} at {time}, their time.",
                          "Elle lui parviendra aux heures de travail : le {date} à {time}, heure locale."),
    "ticket.offer_library": ("Add it to the library, so the next person who asks gets it?",
                             "L'ajouter à la bibliothèque, pour que la prochaine personne qui demande la reçoive ?"),
    "ticket.closed": ("Question #{id} is closed; the asker is not told.", "La question n°\u00a0{id} est close ; la personne n'est pas prévenue."),
    "ticket.added": ("Added to the library as {product}: the next person who asks this gets it.",
                     "Ajoutée à la bibliothèque ({product}) : la prochaine personne qui le demande la recevra."),
    "ticket.already_in_library": ("The answer to question #{id} is in the library already ({product}).",
                                  "La réponse à la question n°\u00a0{id} est déjà dans la bibliothèque ({product})."),
    "ticket.in_library": ("In the library as {product}.", "Dans la bibliothèque : {product}."),
    "ticket.no_answer_yet": ("Question #{id} has no answer yet to add to the library.",
                             "La question n°\u00a0{id} n'a pas encore de réponse à ajouter à la bibliothèque."),
    "ticket.library_unavailable": ("No folder is set for the library's answers (HCBOT_QA_DIR), so I cannot add it.",
                                   "Aucun dossier n'est prévu pour les réponses de la bibliothèque (HCBOT_QA_DIR) : je ne peux pas l'ajouter."),
    "ticket.library_failed": ("I could not add it to the library: {problem}.", "Je n'ai pas pu l'ajouter à la bibliothèque : {problem}."),
    "ticket.answer_title": ("The P2P secretariat answered your question #{id}",
                            "Le secrétariat P2P a répondu à votre question n°\u00a0{id}"),
    "ticket.you_asked": ("You asked on {date}: “{question}”", "Vous aviez demandé le {date} : « {question} »"),
    "ticket.signed": ("— {name}, P2P secretariat", "— {name}, secrétariat P2P"),
    "ticket.did_it_help": ("Did this answer your question? Reply thanks, or not what I needed.",
                           "Cela répond-il à votre question ? Répondez merci, ou pas ce qu'il me fallait."),
    "ticket.thanked": ("Glad it helped. Question #{id} is closed.", "Tant mieux. La question n°\u00a0{id} est close."),
    "ticket.reopened": ("Sorry it missed. Question #{id} is back with the secretariat. To say what you need, write /pass and a few words.",
                        "Désolé. La question n°\u00a0{id} retourne au secrétariat. Pour préciser ce qu'il vous faut, écrivez /transmettre et quelques mots."),
    "ticket.asker_closed": ("Question #{id} is closed already. To reopen it, write /pass and what you still need.",
                            "La question n°\u00a0{id} est déjà close. Pour la rouvrir, écrivez /transmettre et ce qu'il vous faut encore."),
    "ticket.asker_open": ("Question #{id} is with the secretariat; their answer will come here.",
                          "La question n°\u00a0{id} est chez le secrétariat ; sa réponse arrivera ici."),
    "ticket.state_open": ("waiting for an answer", "en attente de réponse"),
    "ticket.state_answered": ("answered", "répondue"),
    "ticket.state_closed": ("closed", "close"),
    "ticket.state_line": ("State: {state}.", "État : {state}."),
    "ticket.state_answered_by": ("State: {state}. {name} answered on {date}: “{answer}”",
                                 "État : {state}. Réponse de {name} le {date} : « {answer} »"),
    "product.answer": ("An answer from the P2P secretariat, {date}", "Une réponse du secrétariat P2P, {date}"),
    "questions.none_open": ("No passed question is waiting for an answer.", "Aucune question transmise n'attend de réponse."),
    "questions.item": ("#{id} · {date} · {who}: {question}", "n°\u00a0{id} · {date} · {who} : {question}"),
    "questions.groups_title": ("Asked again and again, not answered by the library (30 days):",
                               "Demandé et redemandé, sans réponse de la bibliothèque (30 jours) :"),
    "questions.hint": ("/questions {id} shows one with its buttons; /answer {id} and your text answers it.",
                       "/questions {id} en montre une avec ses boutons ; /repondre {id} et votre texte y répond."),
    "questions.usage": ("Type /questions, or /questions and a question's number: /questions 7.",
                        "Tapez /questions, ou /questions et le numéro d'une question : /questions 7."),
    "role.hc": ("HC", "CH"),
    "role.hct_member": ("HCT member", "membre de l'EHP"),
    "role.secretariat": ("secretariat", "secrétariat"),
    "role.admin": ("administrator", "administration"),
    "language.en": ("English", "anglais"),
    "language.fr": ("French", "français"),
    "button.answer": ("Answer", "Répondre"),
    "button.close": ("Close", "Clore"),
    "button.send": ("Send", "Envoyer"),
    "button.send_library": ("Send and add to the library", "Envoyer et ajouter à la bibliothèque"),
    "button.cancel": ("Cancel", "Annuler"),
    "button.add_library": ("Add to the library", "Ajouter à la bibliothèque"),
    "button.thanks": ("Thanks, it helps", "Merci, cela m'aide"),
    "button.missed": ("Not what I needed", "Pas ce qu'il me fallait"),
}


# Sentences about a number of things, with a form for each plural category of the language
# (Babel's CLDR rules: English says "1 day" and "0 days"; French says "0 jour", "1 jour", "2 jours").
# The number is the blank {count}, or the entry's only whole-number blank ({days}); every whole
# number in a sentence is written the language's way ("2,000" / "2 000"), except an {id} a person
# types back.
Forms = dict[str, str]
_PLURALS: Final[dict[str, tuple[Forms, Forms]]] = {
    "read.out_of_range": ({"one": "Your last answer has only one result: type /read 1.",
                           "other": "Your last answer has {count} results: type a number from 1 to {count}, as in /read 2."},
                          {"one": "Votre dernière réponse n'a qu'un résultat : tapez /lire 1.",
                           "other": "Votre dernière réponse a {count} résultats : tapez un numéro de 1 à {count}, comme /lire 2."}),
    "import.too_short": ({"one": "too short: at least {count} character", "other": "too short: at least {count} characters"},
                         {"one": "trop court : au moins {count} caractère", "other": "trop court : au moins {count} caractères"}),
    "import.too_long": ({"one": "too long: at most {count} character", "other": "too long: at most {count} characters"},
                        {"one": "trop long : au plus {count} caractère", "other": "trop long : au plus {count} caractères"}),
    "import.list_too_short": ({"one": "give at least {count} value", "other": "give at least {count} values"},
                              {"one": "donnez au moins {count} valeur", "other": "donnez au moins {count} valeurs"}),
    "import.problems": ({"one": "{file} has {count} problem; fix it and import the file again:",
                         "other": "{file} has {count} problems; fix them and import the file again:"},
                        {"one": "{file} présente {count} problème ; corrigez-le et importez à nouveau le fichier :",
                         "other": "{file} présente {count} problèmes ; corrigez-les et importez à nouveau le fichier :"}),
    "import.more_problems": ({"one": "... and {count} more problem of the same kinds; fix these first.",
                              "other": "... and {count} more problems of the same kinds; fix these first."},
                             {"one": "... et {count} autre problème du même genre ; corrigez d'abord ceux-ci.",
                              "other": "... et {count} autres problèmes du même genre ; corrigez d'abord ceux-ci."}),
    "checkin.start": (
        {"one": "Hello {name}. Let's go through the one open action of {plan}; it takes a minute.",
         "other": "Hello {name}. Let's go through the {count} open actions of {plan}; it takes a couple of minutes."},
        {"one": "Bonjour {name}. Passons en revue votre action en cours ({plan}) ; cela prend une minute.",
         "other": "Bonjour {name}. Passons en revue vos {count} actions en cours ({plan}) ; cela prend deux minutes."}),
    "checkin.answered": (
        {"one": "{count} updated", "other": "{count} updated"},
        {"one": "{count} mise à jour", "other": "{count} mises à jour"}),
    "checkin.skipped": (
        {"one": "{count} skipped", "other": "{count} skipped"},
        {"one": "{count} passée", "other": "{count} passées"}),
    "checkin.start_unnamed": (
        {"one": "Let's go through the one open action of {plan}; it takes a minute.",
         "other": "Let's go through the {count} open actions of {plan}; it takes a couple of minutes."},
        {"one": "Passons en revue votre action en cours ({plan}) ; cela prend une minute.",
         "other": "Passons en revue vos {count} actions en cours ({plan}) ; cela prend deux minutes."}),
    "history.earlier": (
        {"one": "… and {count} earlier update.", "other": "… and {count} earlier updates."},
        {"one": "… et {count} mise à jour plus ancienne.", "other": "… et {count} mises à jour plus anciennes."}),
    "home.more_plans": (
        {"one": "One more plan: type /plan and its code to see it.",
         "other": "{count} more plans: type /plan and a plan's code to see one."},
        {"one": "Un autre plan : tapez /plan et son code pour le voir.",
         "other": "{count} autres plans : tapez /plan et le code d'un plan pour le voir."}),
    "plan.days_left": ({"one": "{days} day left", "other": "{days} days left"},
                       {"one": "{days} jour restant", "other": "{days} jours restants"}),
    "plan.days_late": ({"one": "{days} day late", "other": "{days} days late"},
                       {"one": "{days} jour de retard", "other": "{days} jours de retard"}),
    "plan.age": ({"one": "{days} day ago", "other": "{days} days ago"},
                 {"one": "il y a {days} jour", "other": "il y a {days} jours"}),
    "plans.count": ({"one": "{count} plan", "other": "{count} plans"}, {"one": "{count} plan", "other": "{count} plans"}),
    "plans.sent_count": ({"one": "{count} update sent", "other": "{count} updates sent"},
                         {"one": "{count} mise à jour envoyée", "other": "{count} mises à jour envoyées"}),
    "plans.page_past": ({"one": "There is only one page: /plans {args} shows it.",
                         "other": "There are only {pages} pages: /plans {args} is the last."},
                        {"one": "Il n'y a qu'une page : /tableau {args} la montre.",
                         "other": "Il n'y a que {pages} pages : /tableau {args} est la dernière."}),
    "plans.more_on_home": ({"one": "One more plan: /plans shows them all.", "other": "{count} more plans: /plans shows them all."},
                           {"one": "Un plan de plus : /tableau les montre tous.",
                            "other": "{count} plans de plus : /tableau les montre tous."}),
    "submitted.undo_too_late": (
        {"one": "The update on {plan} was marked as sent on {date}, {days} day ago: a submission can be undone within 7 days only.",
         "other": "The update on {plan} was marked as sent on {date}, {days} days ago: a submission can be undone within 7 days only."},
        {"one": "La mise à jour de {plan} a été marquée comme envoyée le {date}, il y a {days} jour : un envoi ne peut être annulé que dans les 7 jours.",
         "other": "La mise à jour de {plan} a été marquée comme envoyée le {date}, il y a {days} jours : un envoi ne peut être annulé que dans les 7 jours."}),
    "plan.overdue_count": ({"one": "{count} action overdue.", "other": "{count} actions overdue."},
                           {"one": "{count} action en retard sur l'échéance.",
                            "other": "{count} actions en retard sur l'échéance."}),
    "nudge.days_left": ({"one": "{days} day left", "other": "{days} days left"},
                        {"one": "{days} jour restant", "other": "{days} jours restants"}),
    "nudge.days_late": ({"one": "{days} day late", "other": "{days} days late"},
                        {"one": "{days} jour de retard", "other": "{days} jours de retard"}),
    "escalate.stopped_body": (
        {"one": "{operation}: the update to the ERC was due {date}; the HC has had {count} weekly reminder since and the bot sends no more. Please follow up in person.",
         "other": "{operation}: the update to the ERC was due {date}; the HC has had {count} weekly reminders since and the bot sends no more. Please follow up in person."},
        {"one": "{operation} : la mise à jour au CSU était due le {date} ; le CH a reçu {count} relance hebdomadaire depuis et le bot n'en envoie plus. Merci d'assurer le suivi directement.",
         "other": "{operation} : la mise à jour au CSU était due le {date} ; le CH a reçu {count} relances hebdomadaires depuis et le bot n'en envoie plus. Merci d'assurer le suivi directement."}),
    "escalate.body": (
        {"one": "{operation}: the update to the ERC was due {date} and is {days} day late.",
         "other": "{operation}: the update to the ERC was due {date} and is {days} days late."},
        {"one": "{operation} : la mise à jour au CSU était due le {date} ; {days} jour de retard.",
         "other": "{operation} : la mise à jour au CSU était due le {date} ; {days} jours de retard."}),
    "broadcast.reach": (
        {"one": "Audience {audience}: {count} person will get it.", "other": "Audience {audience}: {count} people will get it."},
        {"one": "Public {audience} : {count} personne la recevra.", "other": "Public {audience} : {count} personnes la recevront."}),
    "broadcast.sent": (
        {"one": "Broadcast {id} is on its way to {count} person (left out: {skipped}). /broadcast status {id} follows it.",
         "other": "Broadcast {id} is on its way to {count} people (left out: {skipped}). /broadcast status {id} follows it."},
        {"one": "L'annonce {id} part vers {count} personne (écartées : {skipped}). /annonce statut {id} pour la suivre.",
         "other": "L'annonce {id} part vers {count} personnes (écartées : {skipped}). /annonce statut {id} pour la suivre."}),
    # Why people are left out of a broadcast, in a list ("1 opted out, 2 without a linked chat").
    "skipped.opted_out": ({"one": "{count} opted out", "other": "{count} opted out"},
                          {"one": "{count} désabonnée", "other": "{count} désabonnées"}),
    "skipped.unlinked": ({"one": "{count} without a linked chat", "other": "{count} without a linked chat"},
                         {"one": "{count} sans messagerie liée", "other": "{count} sans messagerie liée"}),
    "skipped.inactive": ({"one": "{count} unreachable", "other": "{count} unreachable"},
                         {"one": "{count} injoignable", "other": "{count} injoignables"}),
    "skipped.cancelled": ({"one": "{count} withdrawn", "other": "{count} withdrawn"},
                          {"one": "{count} retiré", "other": "{count} retirés"}),
    "broadcast.french_get_english": (
        {"one": "{count} French speaker gets the English: there is no French text.",
         "other": "{count} French speakers get the English: there is no French text."},
        {"one": "{count} francophone reçoit l'anglais : il n'y a pas de texte français.",
         "other": "{count} francophones reçoivent l'anglais : il n'y a pas de texte français."}),
    "reach.all_left_out": (
        {"one": "The {count} person it matches is left out: {reasons}.",
         "other": "All {count} people it matches are left out: {reasons}."},
        {"one": "{count} personne trouvée, mais écartée : {reasons}.",
         "other": "{count} personnes trouvées, toutes écartées : {reasons}."}),
    "broadcast.list_sent": ({"one": "{count} of {targeted} sent", "other": "{count} of {targeted} sent"},
                            {"one": "{count} envoyé sur {targeted}", "other": "{count} envoyés sur {targeted}"}),
    "broadcast.list_more": ({"one": "… and {count} older: hcbot broadcast list shows them all.",
                             "other": "… and {count} older: hcbot broadcast list shows them all."},
                            {"one": "… et {count} plus ancienne : hcbot broadcast list les montre toutes.",
                             "other": "… et {count} plus anciennes : hcbot broadcast list les montre toutes."}),
    "status.sent": ({"one": "Sent: {count} of {targeted}.", "other": "Sent: {count} of {targeted}."},
                    {"one": "Envoyé : {count} sur {targeted}.", "other": "Envoyés : {count} sur {targeted}."}),
    "status.failed": ({"one": "Failed: {count}.", "other": "Failed: {count}."},
                      {"one": "Échec : {count}.", "other": "Échecs : {count}."}),
    "status.pending": ({"one": "Queued: {count}.", "other": "Queued: {count}."},
                       {"one": "En file : {count}.", "other": "En file : {count}."}),
    "status.waiting": ({"one": "Waiting: {count}, for working hours in their timezone.",
                        "other": "Waiting: {count}, for working hours in their timezone."},
                       {"one": "En attente : {count}, des heures de travail dans son fuseau.",
                        "other": "En attente : {count}, des heures de travail dans leur fuseau."}),
    "status.in_doubt": ({"one": "In doubt: {count} (the platform may have it; not resent).",
                         "other": "In doubt: {count} (the platform may have them; not resent)."},
                        {"one": "Incertain : {count} (la messagerie l'a peut-être ; pas renvoyé).",
                         "other": "Incertains : {count} (la messagerie les a peut-être ; pas renvoyés)."}),
    "status.failure": ({"one": "  {count} failed: {reason}", "other": "  {count} failed: {reason}"},
                       {"one": "  {count} échec : {reason}", "other": "  {count} échecs : {reason}"}),
    "broadcast.cancel_withdrawn": (
        {"one": "Broadcast {id} is stopped: {count} message not yet sent is withdrawn.",
         "other": "Broadcast {id} is stopped: {count} messages not yet sent are withdrawn."},
        {"one": "L'annonce {id} est arrêtée : {count} message pas encore envoyé est retiré.",
         "other": "L'annonce {id} est arrêtée : {count} messages pas encore envoyés sont retirés."}),
    "broadcast.cancel_gone": ({"one": "{count} had already gone out.", "other": "{count} had already gone out."},
                              {"one": "{count} était déjà parti.", "other": "{count} étaient déjà partis."}),
    "reminder.soon": (
        {"one": "It starts in {count} minute, at {time}: no reminder needed.",
         "other": "It starts in {count} minutes, at {time}: no reminder needed."},
        {"one": "Il commence dans {count} minute, à {time} : pas besoin de rappel.",
         "other": "Il commence dans {count} minutes, à {time} : pas besoin de rappel."}),
    "reminder.starts_in": ({"one": "Starts in {count} minute, at {time}.", "other": "Starts in {count} minutes, at {time}."},
                           {"one": "Commence dans {count} minute, à {time}.",
                            "other": "Commence dans {count} minutes, à {time}."}),
    "report.actions": ({"one": "{count} action", "other": "{count} actions"},
                       {"one": "{count} action", "other": "{count} actions"}),
    "report.counts": ({"one": "Of its {count} action, {parts}.", "other": "Of its {count} actions, {parts}."},
                      {"one": "Sur {count} action, {parts}.", "other": "Sur ses {count} actions, {parts}."}),
    "report.count_done": ({"one": "{count} is done", "other": "{count} are done"},
                          {"one": "{count} est achevée", "other": "{count} sont achevées"}),
    "report.count_on_track": ({"one": "{count} is on track", "other": "{count} are on track"},
                              {"one": "{count} est en bonne voie", "other": "{count} sont en bonne voie"}),
    "report.count_delayed": ({"one": "{count} is delayed", "other": "{count} are delayed"},
                             {"one": "{count} est en retard", "other": "{count} sont en retard"}),
    "report.count_blocked": ({"one": "{count} is blocked", "other": "{count} are blocked"},
                             {"one": "{count} est bloquée", "other": "{count} sont bloquées"}),
    "report.count_not_started": ({"one": "{count} has not started", "other": "{count} have not started"},
                                 {"one": "{count} n'a pas commencé", "other": "{count} n'ont pas commencé"}),
    "report.count_no_status": ({"one": "{count} has no update yet", "other": "{count} have no update yet"},
                               {"one": "{count} n'a pas encore de point", "other": "{count} n'ont pas encore de point"}),
    "report.changes": ({"one": "{since}, {count} action changed status: {changes}.",
                        "other": "{since}, {count} actions changed status: {changes}."},
                       {"one": "{since}, {count} action a changé de statut : {changes}.",
                        "other": "{since}, {count} actions ont changé de statut : {changes}."}),
    "topics.count": ({"one": "{count} product", "other": "{count} products"},
                     {"one": "{count} produit", "other": "{count} produits"}),
    # The "ask an expert" loop.
    "questions.open": ({"one": "{count} passed question is waiting for an answer:",
                        "other": "{count} passed questions are waiting for an answer:"},
                       {"one": "{count} question transmise attend une réponse :",
                        "other": "{count} questions transmises attendent une réponse :"}),
    "questions.more_open": ({"one": "… and {count} more: hcbot admin questions lists them all.",
                             "other": "… and {count} more: hcbot admin questions lists them all."},
                            {"one": "… et {count} autre : hcbot admin questions les liste toutes.",
                             "other": "… et {count} autres : hcbot admin questions les liste toutes."}),
    "questions.group_topic": ({"one": "{count} person asked about {topic}: “{example}”",
                               "other": "{count} people asked about {topic}, like: “{example}”"},
                              {"one": "{count} personne a demandé, sur {topic} : « {example} »",
                               "other": "{count} personnes ont demandé, sur {topic}, par exemple : « {example} »"}),
    "questions.group": ({"one": "{count} person asked: “{example}”",
                         "other": "{count} people asked something like: “{example}”"},
                        {"one": "{count} personne a demandé : « {example} »",
                         "other": "{count} personnes ont demandé quelque chose comme : « {example} »"}),
}


def _merge_parts() -> None:
    # Each feature's sentences live in handlers/catalogue/<part>.py; a key given twice anywhere is a
    # programming error, caught at import rather than by one text silently replacing another.
    from handlers.catalogue import desk, library, peers, scale

    for part in (peers, desk, library, scale):
        for key in part.MESSAGES.keys() | part.PLURALS.keys():
            if key in _MESSAGES or key in _PLURALS:
                raise KeyError(f"{key} is defined twice in the message catalogue ({part.__name__})")
        _MESSAGES.update(part.MESSAGES)
        _PLURALS.update(part.PLURALS)


_merge_parts()

# French sets a no-break space before the high marks and inside guillemets; narrow before ; ? !.
# Texts are written with plain spaces (which survive an edit) and typeset when they are read.
NBSP = "\u00a0"
NNBSP = "\u202f"
_FRENCH_SPACES = re.compile(r"[ \u00a0\u202f]*([;?!])")
_FRENCH_COLON = re.compile(r"[ \u00a0\u202f]+:(?=\s|$)")
_OPENING_QUOTE = re.compile(r"«[ \u00a0\u202f]*")
_CLOSING_QUOTE = re.compile(r"[ \u00a0\u202f]*»")


@lru_cache(maxsize=2048)
def french_typography(text: str) -> str:
    """``text`` with French spacing: "Quel sujet ?" gets a narrow no-break space, "Statut :" and
    « ... » a no-break space. Only marks used as punctuation (followed by a space or the end), so
    "09:00", "https://" and "?start=" are left as they are. A colon written without its space is
    left alone too: it is a key (``webinar:``) or a time, not punctuation."""
    text = _FRENCH_SPACES.sub(lambda match: _space_before(text, match), text)
    text = _FRENCH_COLON.sub(NBSP + ":", text)
    text = _OPENING_QUOTE.sub("«" + NBSP, text)
    return _CLOSING_QUOTE.sub(NBSP + "»", text)


def _space_before(text: str, match: re.Match[str]) -> str:
    mark = match.group(1)
    after = text[match.end():match.end() + 1]
    if match.start() == 0 or (after and not after.isspace() and after not in "»)"):
        return match.group(0)  # not punctuation ("?start=CODE"), or nothing before it
    return NNBSP + mark


def colon(language: str) -> str:
    """The colon after a label built in code ("Statut : Fait"): French puts a no-break space before it."""
    return NBSP + ":" if language == "fr" else ":"


def plural_category(count: int, language: str) -> str:
    """"one" or "other" (CLDR; French counts 0 and 1 as one)."""
    category = _locale(language).plural_form(abs(count))
    return category if category == "one" else "other"


@lru_cache(maxsize=4096)
def number(value: int | float, language: str) -> str:
    """A number as the language writes it: 2,000 in English, 2 000 in French. Kept: Babel's formatting
    costs about 80 µs, and a reconcile pass formats the same few counts tens of thousands of times."""
    return str(format_decimal(value, locale=_locale(language)))


@lru_cache(maxsize=4)
def _locale(language: str) -> Locale:
    return Locale("fr" if language == "fr" else "en")


def _numbers(language: str, values: dict[str, object]) -> dict[str, object]:
    return {name: number(value, language) if isinstance(value, int) and not isinstance(value, bool)
            and name != "id" else value for name, value in values.items()}


def _template(key: str, language: str, values: dict[str, object]) -> str:
    if key in _PLURALS:
        english, french = _PLURALS[key]
        forms = french if language == "fr" else english
        return forms[plural_category(_count_of(key, values), language)]
    english_text, french_text = _MESSAGES[key]
    return french_text if language == "fr" and french_text else english_text


def _count_of(key: str, values: dict[str, object]) -> int:
    counted = values.get("count")
    if not isinstance(counted, int):
        numbers = [value for value in values.values() if isinstance(value, int) and not isinstance(value, bool)]
        if len(numbers) != 1:
            raise KeyError(f"{key} needs count= (the number its plural follows)")
        counted = numbers[0]
    return counted


def t(key: str, language: str = "en", **values: object) -> str:
    """The sentence for ``key`` in ``language`` (English when French is not available). A plural
    entry takes the form its count asks for (see :func:`tn`)."""
    template = _template(key, language, values)
    if language == "fr":
        template = french_typography(template)
    return template.format(**_numbers(language, values)) if values else template


def tn(key: str, count: int, language: str = "en", **values: object) -> str:
    """The plural sentence ``key`` for ``count`` things: tn("plan.overdue_count", 1, "fr") is
    "1 action en retard sur l'échéance."."""
    return t(key, language, count=count, **values)


def keys() -> frozenset[str]:
    """The sentences with one text per language (plural entries: :func:`plural_keys`)."""
    return frozenset(_MESSAGES)


def plural_keys() -> frozenset[str]:
    return frozenset(_PLURALS)


def both(key: str) -> tuple[str, str]:
    """The English and the French of ``key``, as written (for checks of the catalogue)."""
    return _MESSAGES[key]


def plural_forms(key: str) -> tuple[Forms, Forms]:
    """The English and the French forms of a plural entry, as written."""
    return _PLURALS[key]


def english_count(count: int, noun: str, plural: str | None = None) -> str:
    """"1 nudge", "2 nudges", "1,200 messages": the operator's shell output, which is English."""
    return f"{count:,} {noun if count == 1 else plural or noun + 's'}"
