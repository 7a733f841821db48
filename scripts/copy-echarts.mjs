// Copies ECharts from its npm package into public/, so the site serves it itself (no CDN).
import { copyFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
mkdirSync(join(root, "public"), { recursive: true });
copyFileSync(
  join(root, "node_modules/echarts/dist/echarts.min.js"),
  join(root, "public/echarts.min.js"),
);
