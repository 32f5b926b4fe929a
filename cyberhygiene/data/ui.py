"""The UI strings file (``content/ui.yaml``): the bot's own sentences."""

from __future__ import annotations

from pathlib import Path

from ..yamlsrc import LDict, Problem
from .checks import check_markup, display, open_file, placeholders
from .model import KnowledgeBase

# Keys of content/ui.yaml the engine uses. The sentences themselves live in content/, never here.
REQUIRED_UI_KEYS: tuple[str, ...] = (
    "welcome",
    "fallback",
    "did_you_mean",
    "out_of_scope",
    "menu_button",
    "topics_intro",
    "topic_group_intro",
    "sources_label",
    "checked_label",
    "language_prompt",
    "language_switched",
    "language_name",
    "forget_confirm",
    "forget_yes",
    "forget_no",
    "forget_done",
    "forget_cancelled",
    "cancelled",
    "cancel_nothing",
    "stale_button",
    "unknown_command",
    "empty_message",
    "take_quiz_button",
    "quiz_list_intro",
    "quiz_question",
    "quiz_correct",
    "quiz_wrong",
    "quiz_next_button",
    "quiz_your_answer_right",
    "quiz_your_answer_wrong",
    "quiz_result",
    "quiz_passed",
    "quiz_failed",
    "quiz_missed_header",
    "quiz_missed_item",
    "quiz_all_right",
    "quiz_retry_button",
    "quiz_other_button",
    "quiz_share",
    "quiz_share_button",
    "quiz_group_button",
    "quiz_resume",
    "quiz_no_quiz",
    "quiz_not_found",
    "quiz_in_progress_hint",
    "group_quiz_started",
    "group_quiz_already",
    "group_quiz_none",
    "group_quiz_stopped",
    "group_quiz_leaderboard",
    "group_quiz_leader_row",
    "group_quiz_no_answers",
    "group_only_in_group",
    "quiz_not_yours",
    "group_language_admins_only",
    "group_language_set",
    "group_language_prompt",
    "group_welcome",
    "group_quiz_stop_not_allowed",
    "session_pick_quiz",
    "session_did_you_mean",
    "session_quiz_unknown",
    "session_heading",
    "session_created",
    "session_results_button",
    "session_export_button",
    "session_close_button",
    "session_share_button",
    "session_list_row",
    "session_list_more",
    "session_list_empty",
    "session_none_open",
    "session_pick_label",
    "session_pick_results",
    "session_pick_export",
    "session_pick_close",
    "session_join_usage",
    "session_pin_unknown",
    "session_pin_throttled",
    "session_result_shared",
    "session_result_retake",
    "session_unknown",
    "session_closed",
    "session_close_done",
    "session_status_open",
    "session_status_closed",
    "session_already_closed",
    "session_intro",
    "session_start_button",
    "session_results",
    "session_results_question",
    "session_results_empty",
    "session_results_person",
    "session_results_unfinished",
    "session_results_more",
    "session_export_caption",
    "session_chart_caption",
    "session_qr_caption",
    "session_private_only",
    "open_private_chat_button",
    "export_header_name",
    "export_header_username",
    "export_header_started",
    "export_header_finished",
    "session_results_questions_header",
    "session_results_option",
    "session_results_option_right",
    "session_export_csv_caption",
    "session_chart_label",
    "session_chart_subtitle",
    "session_chart_axis",
    "export_header_correct",
    "export_header_total",
    "export_header_percent",
    "export_header_number",
    "export_header_question_text",
    "export_header_option",
    "export_header_right_answer",
    "export_header_right_share",
    "export_sheet_results",
    "export_sheet_questions",
    "export_sheet_summary",
    "export_summary_what",
    "export_summary_value",
    "export_summary_session",
    "export_summary_quiz",
    "export_summary_status",
    "export_summary_created",
    "export_summary_participants",
    "export_summary_completed",
    "export_summary_average",
    "export_summary_pass_rate",
    "export_summary_retakes",
    "export_header_retakes",
    "export_header_question",
    "flood_notice",
    "error_sorry",
    "non_text",
    "command_start",
    "command_help",
    "command_topics",
    "command_quiz",
    "command_language",
    "command_idioma",
    "command_privacy",
    "command_forget",
    "command_cancel",
    "command_newsession",
    "command_sessions",
    "command_join",
    "command_results",
    "command_export",
    "command_close",
    "command_stopquiz",
    "bot_description",
    "bot_short_description",
    "inline_open_topic",
    "inline_open_bot",
    "also_relevant",
    "page_lang_en",
    "page_lang_es",
    "more_button",
    "country_ask",
    "country_prompt",
    "country_us_button",
    "country_mx_button",
    "country_xx_button",
    "country_other_us",
    "country_other_mx",
    "country_name_us",
    "country_name_mx",
    "country_switched",
    "country_noted",
    "country_cleared",
    "command_country",
    "command_pais",
    "command_ayuda",
    "command_temas",
    "command_examen",
    "command_privacidad",
    "command_olvidar",
    "command_cancelar",
)


def load_ui(path: Path, kb: KnowledgeBase, problems: list[Problem]) -> None:
    shown = display(path)
    if not path.is_file():
        problems.append(Problem(shown, 1, "UI strings file is missing"))
        return
    opened = open_file(path, problems)
    if opened is None:
        return
    c, top = opened
    if not c.keys(top, "the UI file", ("ui",)):
        return
    ui = c.mapping(top["ui"], top.line_of("ui"), "ui")
    if ui is None:
        return
    for key in ui:
        loc = c.localized(ui[key], ui.line_of(key), f"ui.{key}")
        if loc is None:
            continue
        entry = ui[key]
        for lang, text in loc.items():
            start = entry.text_line_of(lang) if isinstance(entry, LDict) else ui.line_of(key)
            check_markup(c, text, start, f"ui.{key} ({lang})")
        ph = {lang: placeholders(t) for lang, t in loc.items()}
        if ph["en"] != ph["es"]:
            c.error(
                ui.line_of(key),
                f"ui.{key}: placeholders differ between en {sorted(ph['en'])} and es {sorted(ph['es'])}",
            )
        kb.ui[key] = loc
        kb.ui_where[key] = (shown, ui.line_of(key))
    for key in REQUIRED_UI_KEYS:
        if key not in ui:
            c.error(ui.line, f"ui is missing the string {key!r}")
