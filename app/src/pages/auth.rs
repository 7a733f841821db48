//! The login and first-run setup pages: plain HTML forms that post to `/auth/login` and
//! `/auth/setup`, so they work the same with JavaScript off (progressive enhancement). Errors
//! come back as a code in the query string and are shown in words next to the form.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::components::card::Card;

const INPUT: &str = "mt-1 block w-full rounded border border-gray-300 px-3 py-2 text-sm text-gray-900 shadow-sm focus:border-gray-400 focus:outline-none focus-visible:ring-2 focus-visible:ring-gray-300";
const LABEL: &str = "block text-sm font-medium text-gray-700";
const SUBMIT: &str = "w-full rounded bg-gray-900 px-4 py-2 text-sm font-medium text-white shadow-sm transition hover:bg-gray-700 focus:outline-none focus-visible:ring-2 focus-visible:ring-gray-300";

fn login_error(code: &str) -> &'static str {
    match code {
        "credentials" => "Wrong username or password.",
        "limited" => "Too many attempts. Wait a few minutes, then try again.",
        "missing" => "Enter your username and password.",
        _ => "Sign-in failed. Try again.",
    }
}

fn setup_error(code: &str) -> &'static str {
    match code {
        "password" => "The password must have at least 10 characters.",
        "confirm" => "The two passwords differ.",
        "username" => "Enter a username (no control characters, not too long).",
        _ => "The admin could not be created. Try again.",
    }
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let query = use_query_map();
    let error = move || {
        query
            .with(|q| q.get("error"))
            .map(|code| login_error(&code))
    };
    let next = move || {
        query
            .with(|q| q.get("next"))
            .unwrap_or_else(|| "/".to_owned())
    };
    view! {
        <main class="mx-auto mt-16 max-w-sm px-4">
            <Card>
                <h1 class="text-xl font-semibold text-gray-900">"Sign in to wgmik"</h1>
                <form method="post" action="/auth/login" class="mt-6 space-y-4">
                    <input type="hidden" name="next" value=next />
                    <div>
                        <label for="username" class=LABEL>"Username"</label>
                        <input id="username" name="username" type="text" autocomplete="username" required class=INPUT />
                    </div>
                    <div>
                        <label for="password" class=LABEL>"Password"</label>
                        <input id="password" name="password" type="password" autocomplete="current-password" required class=INPUT />
                    </div>
                    {move || error().map(|text| view! {
                        <p id="login-error" role="alert" class="text-sm text-red-600">{text}</p>
                    })}
                    <button id="sign-in" type="submit" class=SUBMIT>"Sign in"</button>
                </form>
            </Card>
        </main>
    }
}

#[component]
pub fn SetupPage() -> impl IntoView {
    let query = use_query_map();
    let error = move || {
        query
            .with(|q| q.get("error"))
            .map(|code| setup_error(&code))
    };
    view! {
        <main class="mx-auto mt-16 max-w-sm px-4">
            <Card>
                <h1 class="text-xl font-semibold text-gray-900">"Welcome to wgmik"</h1>
                <p class="mt-1 text-sm text-gray-500">
                    "Create the admin account. There are no default credentials."
                </p>
                <form method="post" action="/auth/setup" class="mt-6 space-y-4">
                    <div>
                        <label for="username" class=LABEL>"Username"</label>
                        <input id="username" name="username" type="text" autocomplete="username" required class=INPUT />
                    </div>
                    <div>
                        <label for="password" class=LABEL>"Password (at least 10 characters)"</label>
                        <input id="password" name="password" type="password" autocomplete="new-password" minlength="10" required class=INPUT />
                    </div>
                    <div>
                        <label for="confirm" class=LABEL>"Password again"</label>
                        <input id="confirm" name="confirm" type="password" autocomplete="new-password" minlength="10" required class=INPUT />
                    </div>
                    {move || error().map(|text| view! {
                        <p id="setup-error" role="alert" class="text-sm text-red-600">{text}</p>
                    })}
                    <button id="create-admin" type="submit" class=SUBMIT>"Create admin"</button>
                </form>
            </Card>
        </main>
    }
}

/// A sign-out control: a form, so it works without JavaScript too.
#[component]
pub fn SignOut() -> impl IntoView {
    view! {
        <form method="post" action="/auth/logout">
            <button id="sign-out" type="submit" class="rounded px-3 py-1 text-sm text-gray-600 hover:text-gray-900 focus:outline-none focus-visible:ring-2 focus-visible:ring-gray-300">
                "Sign out"
            </button>
        </form>
    }
}
