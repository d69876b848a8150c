/*
 * The bytes each level of test/c/view's nested calls sends: a pattern of its depth and side, the
 * same length at every level, so a nested message landing where an outer array lies would
 * overwrite it with bytes that differ.
 */
#ifndef VIEW_PATTERN_H
#define VIEW_PATTERN_H

#define VIEW_LEN 1024u

static inline u8 view_byte(u32 depth, u32 side, u32 i)
{
	return (u8)(i * 7u + depth * 31u + side * 101u + 1u);
}

static inline void view_fill(u8 *buf, u32 depth, u32 side)
{
	for (u32 i = 0; i < VIEW_LEN; i++)
		buf[i] = view_byte(depth, side, i);
}

/* Whether data holds the pattern of (depth, side). */
static inline int view_intact(const u8 *data, u32 n, u32 depth, u32 side)
{
	if (!data || n != VIEW_LEN)
		return 0;
	for (u32 i = 0; i < n; i++)
		if (data[i] != view_byte(depth, side, i))
			return 0;
	return 1;
}

#endif
