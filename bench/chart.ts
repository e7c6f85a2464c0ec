/**
 * Draws records per shard, naive random partition keys beside this project's spread, as an SVG bar
 * chart (no dependencies). Input: the comma-separated counts bench/shard-balance.ts reports for the
 * uneven 5-shard layout.
 */
export function shardSpreadSvg(ours: number[], naive: number[], title: string): string {
  const width = 640;
  const height = 320;
  const left = 60;
  const bottom = 40;
  const top = 40;
  const plotHeight = height - top - bottom;
  const max = Math.max(...ours, ...naive);
  const groupWidth = (width - left - 20) / ours.length;
  const barWidth = groupWidth * 0.35;
  const y = (v: number) => top + plotHeight - (v / max) * plotHeight;
  const bars: string[] = [];
  ours.forEach((v, i) => {
    const x = left + i * groupWidth + groupWidth * 0.12;
    bars.push(`<rect x="${x.toFixed(1)}" y="${y(naive[i]).toFixed(1)}" width="${barWidth.toFixed(1)}" height="${(top + plotHeight - y(naive[i])).toFixed(1)}" fill="#c0504d"><title>naive: ${naive[i]}</title></rect>`);
    bars.push(`<rect x="${(x + barWidth + 4).toFixed(1)}" y="${y(v).toFixed(1)}" width="${barWidth.toFixed(1)}" height="${(top + plotHeight - y(v)).toFixed(1)}" fill="#4f81bd"><title>ours: ${v}</title></rect>`);
    bars.push(`<text x="${(x + barWidth).toFixed(1)}" y="${height - bottom + 16}" text-anchor="middle" font-size="12">shard ${i}</text>`);
  });
  const mean = ours.reduce((a, b) => a + b, 0) / ours.length;
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => {
    const v = Math.round(max * f);
    return `<text x="${left - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end" font-size="11">${v}</text><line x1="${left}" x2="${width - 20}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#ddd"/>`;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif">
<rect width="100%" height="100%" fill="white"/>
<text x="${width / 2}" y="22" text-anchor="middle" font-size="14">${title}</text>
${ticks.join('\n')}
<line x1="${left}" x2="${width - 20}" y1="${y(mean).toFixed(1)}" y2="${y(mean).toFixed(1)}" stroke="#333" stroke-dasharray="4 3"/>
${bars.join('\n')}
<rect x="${width - 210}" y="${top - 8}" width="10" height="10" fill="#c0504d"/><text x="${width - 195}" y="${top + 1}" font-size="11">random partition keys</text>
<rect x="${width - 210}" y="${top + 8}" width="10" height="10" fill="#4f81bd"/><text x="${width - 195}" y="${top + 17}" font-size="11">compute-kinesis-logger</text>
</svg>
`;
}
