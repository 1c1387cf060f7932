// Sharing a file or an image: announced to the server, then sent as binary in 128 KiB chunks, each one
// acknowledged before the next leaves (the progress bar follows the acknowledgements, so it shows what
// the server has, and one upload never floods the connection). The room gets the file when it is complete.
const CHUNK = 128 * 1024;

export async function shareFile(socket, file, root, onShared) {
  const row = document.createElement("div");
  row.className = "upload";
  const label = document.createElement("span");
  label.textContent = `Sending ${file.name}`;
  const bar = document.createElement("progress");
  bar.max = file.size;
  bar.value = 0;
  row.append(label, bar);
  root.append(row);
  try {
    const start = await socket.emitWithAck("upload-start", {
      name: file.name,
      type: file.type,
      size: file.size,
    });
    if (!start.ok) throw new Error(start.error);
    for (let offset = 0; offset < file.size; offset += CHUNK) {
      const bytes = await file.slice(offset, offset + CHUNK).arrayBuffer();
      const reply = await socket.emitWithAck("upload-chunk", start.id, bytes);
      if (!reply.ok) throw new Error(reply.error);
      bar.value = reply.received;
    }
    row.remove();
    onShared({ name: file.name, type: file.type, size: file.size, data: file, at: Date.now() });
  } catch (err) {
    label.textContent = `${file.name} not shared: ${err.message}`;
    label.className = "error";
    bar.remove();
    setTimeout(() => row.remove(), 8000);
  }
}
