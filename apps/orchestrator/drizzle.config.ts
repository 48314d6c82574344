// drizzle-kit generates the SQL migrations in drizzle/ from src/store/schema.ts:
//   npx drizzle-kit generate    (from apps/orchestrator; commit the result)
import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: './src/store/schema.ts',
  out: './drizzle',
});
