"""Date and time display formats that override Django's per-language ones (FORMAT_MODULE_PATH).

Short dates read the same in both languages, as the rest of the product writes them:
2026-07-28 and 2026-07-28 14:05, not 2026-7-28 (Korean) or 07/28/2026 2:05 p.m. (English).
Only these names are overridden; input formats and long dates stay Django's."""
