// Stores the light/dark choice where the server reads it on the next page load (App.razor), so a language
// switch (a full reload) and a return visit keep the theme without a flash of the other one.
export function storeThemePreference(dark) {
    document.cookie = `dashboard.theme=${dark ? "dark" : "light"}; path=/; max-age=31536000; samesite=lax`;
}
