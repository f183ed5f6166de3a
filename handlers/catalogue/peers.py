"""Sentences of one part of the bot, merged into handlers.i18n's catalogue (kept apart so that work on
separate features never edits the same file)."""

from __future__ import annotations

from typing import Final

MESSAGES: Final[dict[str, tuple[str, str]]] = {
    # What another operation's action looks like: "Levantia: one feedback mechanism, done in March 2026".
    "peers.entry": ("{where}: {title}, {state}", "{where} : {title}, {state}"),
    "peers.state_none": ("not started yet", "pas encore commencée"),
    "peers.state_not_started": ("not started ({month})", "pas commencée ({month})"),
    "peers.state_on_track": ("on track ({month})", "en bonne voie ({month})"),
    "peers.state_delayed": ("delayed ({month})", "en retard ({month})"),
    "peers.state_blocked": ("blocked ({month})", "bloquée ({month})"),
    "peers.state_done": ("done in {month}", "faite en {month}"),
    "peers.answer_heading": ("Operations working on this:", "Opérations qui y travaillent :"),
    "peers.touch": ("Put me in touch: {where}", "Me mettre en contact : {where}"),
    "peers.list_heading": ("Other operations with an action on {topic}:",
                           "Autres opérations ayant une action sur ce sujet ({topic}) :"),
    "peers.none_shared": ("No other operation shares an action on {topic} with you yet.",
                          "Aucune autre opération ne partage encore avec vous d'action sur ce sujet ({topic})."),
    "peers.usage": ("Name a topic: /peers psea, /peers cash. /topics lists them.",
                    "Indiquez un sujet : /pairs peas, /pairs cash. /sujets les liste."),
    "peers.unknown_topic": ("I do not know the topic \"{name}\". Type /topics to see them all.",
                            "Je ne connais pas le sujet « {name} ». Tapez /sujets pour les voir tous."),
    "peers.home_heading": ("Other operations on your topics", "D'autres opérations sur vos sujets"),
    "peers.stranger": ("Only registered people see what other operations share. Ask the P2P secretariat for an "
                       "invite code.",
                       "Seules les personnes inscrites voient ce que partagent les autres opérations. Demandez un "
                       "code d'invitation au secrétariat P2P."),
    # Sharing levels (/share).
    "peers.level_none": ("none", "aucun"),
    "peers.level_peers": ("peers", "pairs"),
    "peers.level_all": ("all", "tous"),
    "peers.share_now": ("{where} shares its plan at level: {level}.", "{where} partage son plan au niveau : {level}."),
    "peers.share_set": ("Done: {where} now shares its plan at level {level}.",
                        "C'est fait : {where} partage désormais son plan au niveau {level}."),
    "peers.means_none": ("Nobody outside your operation sees your actions (the P2P secretariat always does).",
                         "Personne hors de votre opération ne voit vos actions (le secrétariat P2P, toujours)."),
    "peers.means_peers": ("HCs and HCT members of other operations see your actions' titles, topics, status and "
                          "month, and may ask you for an introduction.",
                          "Les CH et membres d'EHP des autres opérations voient le titre, les sujets, le statut et "
                          "le mois de vos actions, et peuvent vous demander une mise en contact."),
    "peers.means_all": ("Every registered person sees your actions' titles, topics, status and month, and may ask "
                        "you for an introduction.",
                        "Toute personne inscrite voit le titre, les sujets, le statut et le mois de vos actions, et "
                        "peut vous demander une mise en contact."),
    "peers.notes_private": ("Check-in notes stay private unless their author shares one.",
                            "Les notes des points restent privées, sauf si leur auteur en partage une."),
    "peers.share_how": ("Change it: /share none, /share peers or /share all.",
                        "Pour changer : /partage aucun, /partage pairs ou /partage tous."),
    "peers.set_button": ("Share: {level}", "Partage : {level}"),
    "peers.share_ask_hc": ("Only your HC or the P2P secretariat can change what your operation shares.",
                           "Seuls votre CH ou le secrétariat P2P peuvent changer ce que partage votre opération."),
    "peers.share_usage": ("Say the level: /share none, /share peers or /share all.",
                          "Indiquez le niveau : /partage aucun, /partage pairs ou /partage tous."),
    "peers.no_operation": ("You belong to no operation, so there is no plan to share.",
                           "Vous n'êtes rattaché à aucune opération : pas de plan à partager."),
    "peers.share_all_intro": ("What each operation shares:", "Ce que partage chaque opération :"),
    "peers.share_secretariat_how": ("Change one: /share OPERATION none|peers|all, such as /share sahelia peers.",
                                    "Pour en changer une : /partage OPÉRATION aucun|pairs|tous, par exemple "
                                    "/partage sahelia pairs."),
    "peers.unknown_operation": ("No operation has the code \"{code}\". /share lists them.",
                                "Aucune opération n'a le code « {code} ». /partage les liste."),
    # Shareable notes.
    "peers.note_question": ("Share your note on action {number} with peers in other operations? It stays private "
                            "unless you say so.",
                            "Partager votre note sur l'action {number} avec les pairs des autres opérations ? Elle "
                            "reste privée sans votre accord."),
    "peers.note_share": ("Share it", "La partager"),
    "peers.note_keep": ("Keep private", "La garder privée"),
    "peers.note_shared": ("Shared: peers who may see your plan read this note with action {number}.",
                          "Partagée : les pairs qui peuvent voir votre plan liront cette note avec l'action {number}."),
    "peers.note_kept": ("Kept private: only your operation and the P2P secretariat read it.",
                        "Gardée privée : seuls votre opération et le secrétariat P2P la lisent."),
    "peers.not_yours": ("That button is not yours to press, or it has expired.",
                        "Ce bouton n'est pas pour vous, ou il a expiré."),
    # Introductions.
    "peers.role_hc": ("HC", "CH"),
    "peers.role_hct_member": ("HCT member", "membre de l'EHP"),
    "peers.role_secretariat": ("P2P secretariat", "secrétariat P2P"),
    "peers.role_admin": ("P2P secretariat", "secrétariat P2P"),
    "peers.who": ("{name}, {role} in {where}", "{name}, {role} pour {where}"),
    "peers.who_no_operation": ("{name}, {role}", "{name}, {role}"),
    "peers.request": ("{who}, would like to hear how {where} went about “{title}”.",
                      "{who}, aimerait savoir comment {where} s'y est pris pour « {title} »."),
    "peers.request_choice": ("Accept, and you both get each other's name and contact. Not now shares nothing.",
                             "Accepter : vous recevez chacun le nom et le contact de l'autre. Pas maintenant : rien "
                             "n'est partagé."),
    "peers.accept": ("Accept", "Accepter"),
    "peers.not_now": ("Not now", "Pas maintenant"),
    "peers.asked": ("I asked the {role} in {where} whether they will talk with you about {topic}. You will hear "
                    "here when they answer.",
                    "J'ai proposé au {role} de {where} d'échanger avec vous sur ce sujet ({topic}). Vous aurez "
                    "sa réponse ici."),
    "peers.already": ("You asked {where} about {topic} on {date}: one request a month, so you can ask again from "
                      "{again}.",
                      "Vous avez sollicité {where} sur ce sujet ({topic}) le {date} : une demande par mois, vous "
                      "pourrez redemander à partir du {again}."),
    "peers.nobody": ("No one in {where} is on the bot yet. /pass asks the P2P secretariat to connect you.",
                     "Personne de {where} n'utilise encore le bot. /transmettre demande au secrétariat P2P de vous "
                     "mettre en relation."),
    "peers.already_theirs": ("The {role} in {where} asked to talk with you about {topic} on {date}: accept their "
                             "request and you both get each other's contact. A new request is possible from {again}.",
                             "Le {role} de {where} vous a proposé d'échanger sur ce sujet ({topic}) le {date} : "
                             "acceptez sa demande et vous aurez vos contacts. Nouvelle demande possible à partir du "
                             "{again}."),
    "peers.gone": ("That action is no longer shared with you.", "Cette action n'est plus partagée avec vous."),
    "peers.answered_already": ("You already answered this request.", "Vous avez déjà répondu à cette demande."),
    "peers.accepted_asker": ("Good news: they accepted to talk about {topic}. Here is how to reach them:",
                             "Bonne nouvelle : votre demande sur ce sujet ({topic}) est acceptée. Voici comment "
                             "joindre la personne :"),
    "peers.accepted_you": ("Thank you. I sent them your contact; here is theirs:",
                           "Merci. Je lui ai envoyé votre contact ; voici le sien :"),
    "peers.declined_asker": ("{where} cannot take up your request on {topic} just now, and nothing was shared. "
                             "The P2P secretariat may know others who did it: /pass.",
                             "{where} ne peut pas donner suite pour l'instant à votre demande sur ce sujet ({topic}) ; "
                             "rien n'a été partagé. Le secrétariat P2P connaît peut-être d'autres opérations : "
                             "/transmettre."),
    "peers.declined_you": ("Understood: nothing was shared, and they are told kindly.",
                           "Entendu : rien n'a été partagé, et la personne en est informée avec tact."),
    "peers.on_telegram": ("message on Telegram", "message sur Telegram"),
    "peers.on_slack": ("on Slack, member ID {id}", "sur Slack, identifiant {id}"),
    # The secretariat's learning candidate.
    "peers.candidate_title": ("Turn this into a practical note?", "En faire une note pratique ?"),
    "peers.candidate_action": ("{where}, plan {plan}, action {number}: {title}",
                               "{where}, plan {plan}, action {number} : {title}"),
    "peers.candidate_dates": ("Plan adopted {adopted}; marked done {done}. Notes its authors shared:",
                              "Plan adopté le {adopted} ; action faite le {done}. Notes partagées par leurs auteurs :"),
    "peers.candidate_draft": ("Start a draft: hcbot kb draft {reference}",
                              "Pour en commencer le brouillon : hcbot kb draft {reference}"),
}

PLURALS: Final[dict[str, tuple[dict[str, str], dict[str, str]]]] = {
    "peers.more_operations": ({"one": "… and {count} more operation.", "other": "… and {count} more operations."},
                              {"one": "… et {count} autre opération.", "other": "… et {count} autres opérations."}),
    "peers.intro_counts": (
        {"one": "Introductions: {count} asked ({accepted} accepted, {declined} not now, {waiting} waiting).",
         "other": "Introductions: {count} asked ({accepted} accepted, {declined} not now, {waiting} waiting)."},
        {"one": "Mises en contact : {count} demandée (acceptées : {accepted} ; refusées : {declined} ; en "
                "attente : {waiting}).",
         "other": "Mises en contact : {count} demandées (acceptées : {accepted} ; refusées : {declined} ; en "
                  "attente : {waiting})."}),
}
