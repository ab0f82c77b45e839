import { readdirSync } from "node:fs";
import js from "@eslint/js";
import importPlugin from "eslint-plugin-import";
import reactHooks from "eslint-plugin-react-hooks";
import globals from "globals";
import tseslint from "typescript-eslint";

// Imports flow lib/components -> features -> app (docs/frontend.md, Layout): a feature imports no
// other feature (what two share lives in lib/ or components/, or is composed in app/), and
// lib/ and components/ import neither features nor app. One zone per feature folder, read from
// the tree, so a new feature is covered without editing this file.
const features = readdirSync(new URL("./src/features", import.meta.url), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);
const boundaryZones = [
  ...features.map((name) => ({
    target: `./src/features/${name}`,
    from: "./src/features",
    except: [`./${name}`],
    message: "A feature imports no other feature: move what they share to lib/ or components/, or compose it in app/.",
  })),
  { target: "./src/features", from: "./src/app", message: "Features do not import app/: app composes features." },
  {
    target: ["./src/lib", "./src/components"],
    from: ["./src/features", "./src/app"],
    message: "lib/ and components/ are shared: they import neither features nor app.",
  },
];

export default tseslint.config(
  { ignores: ["dist", "node_modules", "test-results"] },
  {
    files: ["**/*.{ts,tsx}"],
    extends: [js.configs.recommended, ...tseslint.configs.recommended],
    languageOptions: { ecmaVersion: 2022, globals: globals.browser },
    plugins: { "react-hooks": reactHooks, import: importPlugin },
    // The rule resolves each import to a file; relative imports name .ts/.tsx files without extension.
    settings: { "import/resolver": { node: { extensions: [".ts", ".tsx", ".js", ".json"] } } },
    rules: {
      ...reactHooks.configs.recommended.rules,
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
      "import/no-restricted-paths": ["error", { zones: boundaryZones }],
    },
  },
  {
    files: ["e2e/**/*.{js,mjs}", "scripts/**/*.mjs", "*.config.js"],
    extends: [js.configs.recommended],
    // e2e scripts run in Node but pass callbacks to the page (page.evaluate): both globals.
    languageOptions: { ecmaVersion: 2022, sourceType: "module", globals: { ...globals.node, ...globals.browser } },
  },
);
