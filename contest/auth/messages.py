"""The English words for the auth package's error codes (contest.core.errors)."""

from contest.core.errors import register

register(
    {
        "auth.wrong_email_address_password": "Wrong email address or password.",
        "auth.use_least_characters_password": (
            "Use at least {MIN_PASSWORD_LENGTH} characters for your password."
        ),
        "auth.password_must_email_address": "Your password must not be your email address.",
        "auth.account_already_exists": "An account for {email} already exists.",
        "auth.too_many_failed_sign": (
            "Too many failed sign-ins for this address. Try again in {minutes} minute{plural},"
            " or reset your password."
        ),
        "auth.current_password_right": "Your current password is not right.",
        "auth.choose_password_used_here": "Choose a password you have not used here.",
        "auth.choose_school_teacher_submits": "Choose the school this teacher submits for.",
        "auth.choose_contest_of_role": "Choose the contest this {role} is for.",
        "auth.choose_district_coordinator": "Choose the district this coordinator looks after.",
        "auth.link_valid_check_copied": "This link is not valid. Check that you copied all of it.",
        "auth.invitation_already_been_used": (
            "This invitation has already been used. Sign in instead."
        ),
        "auth.link_expired_ask_new": "This link has expired. Ask for a new one.",
        "auth.address_already_confirmed_sign": (
            "This address is already confirmed. Sign in instead."
        ),
        "auth.link_already_been_used": "This link has already been used. Ask for a new one.",
        "auth.confirm_email_address_first": (
            "Confirm your email address first: open the link in the mail we sent when you "
            "registered. Lost it? Ask for a new link below."
        ),
        "auth.account_switched_off_ask": (
            "This account is switched off. Ask the contest organizers."
        ),
        "auth.password_chose_when_registering": (
            "That is not the password you chose when registering."
        ),
        "auth.already_account_enter_password": (
            "You already have an account: enter its password to add this role to it."
        ),
    }
)
