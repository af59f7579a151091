"""Knowledge base: matter records, overview areas, ambiguity rules; rendering and decisions."""
from bot.knowledge.decide import Decision, decide, mentioned
from bot.knowledge.loader import (
    Ambiguity,
    AmbiguousPair,
    Area,
    KnowledgeBase,
    KnowledgeError,
    LegalBasis,
    MatterRecord,
    Policy,
    Procedure,
    Referral,
    TimeLimit,
    default_knowledge,
    load_knowledge,
)
from bot.knowledge.render import (
    FOLLOWUP_TOPICS,
    render_answer,
    render_area,
    render_clarify,
    render_followup,
    render_overview,
)

__all__ = [
    "Ambiguity", "AmbiguousPair", "Area", "Decision", "FOLLOWUP_TOPICS", "KnowledgeBase",
    "KnowledgeError", "LegalBasis", "MatterRecord", "Policy", "Procedure", "Referral", "TimeLimit",
    "decide", "default_knowledge", "load_knowledge", "mentioned", "render_answer", "render_area",
    "render_clarify", "render_followup", "render_overview",
]
