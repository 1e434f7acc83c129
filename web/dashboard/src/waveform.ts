/**
 * Draws peaks (0..1, one per slice of the video) as a mirrored waveform filling the canvas (scaled to the loudest), the part before `played`
 * (0..1) in the accent colour. The canvas is sized to its box at the screen's pixel density so lines stay sharp.
 */
export function drawWaveform(canvas: HTMLCanvasElement, peaks: readonly number[], played: number): void {
  const ratio = window.devicePixelRatio || 1;
  const width = Math.max(1, Math.round(canvas.clientWidth * ratio));
  const height = Math.max(1, Math.round(canvas.clientHeight * ratio));
  if (canvas.width !== width || canvas.height !== height) {
    canvas.width = width;
    canvas.height = height;
  }
  const context = canvas.getContext('2d');
  if (!context || peaks.length === 0) return;
  const styles = getComputedStyle(canvas);
  const playedColour = styles.getPropertyValue('--wave-played').trim() || '#4f7cff';
  const restColour = styles.getPropertyValue('--wave-rest').trim() || '#9aa4b8';
  context.clearRect(0, 0, width, height);
  const middle = height / 2;
  const step = width / peaks.length;
  // Scaled to the loudest peak: a quiet track still shows its shape.
  const loudest = Math.max(...peaks, 0.001);
  for (let x = 0; x < width; x += Math.max(1, ratio * 2)) {
    const peak = peaks[Math.min(peaks.length - 1, Math.floor(x / step))] ?? 0;
    const half = Math.max(ratio / 2, (peak / loudest) * middle * 0.95);
    context.fillStyle = x / width <= played ? playedColour : restColour;
    context.fillRect(x, middle - half, Math.max(1, ratio), half * 2);
  }
}
