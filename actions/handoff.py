"""Handing the conversation to a human officer."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.labels import label_button

NO_ONLINE_OFFICER = (
    "目前线上还不能直接转接民警，真抱歉。您可以：\n"
    "1. 紧急情况或交通事故，请直接拨打122报警；\n"
    "2. 其他事项可拨打当地公安交管部门的信访接待电话（不清楚号码可拨12345询问），或在工作时间到信访接待场所反映；\n"
    "3. 也可以现在在这里提交网上信访，我们会按时限书面答复。"
)


class ActionRequestHuman(Action):
    """Tell the citizen honestly how to reach an officer."""

    def name(self) -> Text:
        return "action_request_human"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        buttons = [label_button("file_petition"), label_button("ask_how_to_file")]
        dispatcher.utter_message(text=NO_ONLINE_OFFICER, buttons=[b.to_rasa() for b in buttons])
        return []
