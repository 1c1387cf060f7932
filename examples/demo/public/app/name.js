// The user's name: `?name=` in the address, else the one this browser used last, else asked in a dialog.
// The tabs of one browser share it (localStorage), so they are one member with several tabs. The rule is
// the server's (chat.ts `validName`): 1 to 24 characters once trimmed, no control characters.
const KEY = "plexus-demo-name";

// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing them is the point
const valid = (name) => name.length > 0 && name.length <= 24 && !/[\u0000-\u001f\u007f]/.test(name);

export async function askName() {
  const given = (new URLSearchParams(location.search).get("name") ?? localStorage.getItem(KEY) ?? "").trim();
  if (valid(given)) {
    localStorage.setItem(KEY, given);
    return given;
  }
  const dialog = document.getElementById("name-dialog");
  const input = document.getElementById("name-input");
  for (;;) {
    dialog.showModal();
    await new Promise((resolve) => dialog.addEventListener("close", resolve, { once: true }));
    const name = input.value.trim();
    if (valid(name)) {
      localStorage.setItem(KEY, name);
      return name;
    }
  }
}
