"""回访: a while after a case is answered, ask the citizen whether they are satisfied.

``service`` plans the questions (through the notification outbox) and records answers;
``responder`` is the gateway interceptor that recognises an answer (a button or a short
typed reply) and replies — with the 复查/复核 route and a person on offer when the
citizen is not satisfied; ``texts`` holds every citizen-facing sentence
(``data/followup/texts.yml``).
"""
