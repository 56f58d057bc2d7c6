// While a pay run calculates, poll its progress and update the bar and the announced text; reload
// the page when the calculation has finished, so the results and the next steps show.
const box = document.querySelector("[data-run-progress]");
if (box) {
  const bar = box.querySelector("progress");
  const text = box.querySelector("[aria-live]");
  const percent = box.querySelector("[data-run-progress-percent]");
  const poll = async () => {
    try {
      const response = await fetch(box.dataset.runProgress, { headers: { Accept: "application/json" } });
      const progress = await response.json();
      bar.max = progress.total;
      bar.value = progress.done;
      percent.textContent = `${Math.round(progress.done * 100 / Math.max(progress.total, 1))}%`;
      text.textContent = `${progress.done} of ${progress.total} employees calculated.`;
      if (progress.status !== "calculating") {
        window.location.reload();
        return;
      }
    } catch (error) {
      text.textContent = "Progress could not be read; refresh the page to see it.";
    }
    window.setTimeout(poll, 1500);
  };
  window.setTimeout(poll, 1500);
}
