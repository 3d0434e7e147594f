/** The commands' exit codes, from sysexits(3). */
export const EX_USAGE = 64;
export const EX_DATAERR = 65;
export const EX_UNAVAILABLE = 69;
/** A configuration that cannot be used (check-config), or a UPS upsd refuses (ups-poll). */
export const EX_CONFIG = 78;
