// Svelte 5 compiles `<script lang="ts">` itself; runes everywhere.
export default { compilerOptions: { runes: true } };
