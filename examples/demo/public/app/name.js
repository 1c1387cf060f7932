// The user's name: `?name=` in the address, else the one this browser used last, else asked in a dialog.
// The tabs of one browser share it (localStorage), so they are one member with several tabs.
const KEY = "plexus-demo-name";

export async function askName() {
  const given = new URLSearchParams(location.search).get("name") ?? localStorage.getItem(KEY);
  if (given?.trim()) {
    localStorage.setItem(KEY, given.trim());
    return given.trim();
  }
  const dialog = document.getElementById("name-dialog");
  const input = document.getElementById("name-input");
  dialog.showModal();
  await new Promise((resolve) => dialog.addEventListener("close", resolve, { once: true }));
  const name = input.value.trim() || `guest-${Math.floor(Math.random() * 1000)}`;
  localStorage.setItem(KEY, name);
  return name;
}
