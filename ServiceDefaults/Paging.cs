namespace ConnectorHealth.ServiceDefaults;

/// <summary>
/// The one paging rule of every list route: the same default and maximum page size, the same cursor, and the same
/// validation problem for a bad <c>limit</c> or <c>cursor</c> whichever service answers.
/// </summary>
public static class Paging
{
    /// <summary>Items on a page when the request names no <c>limit</c>.</summary>
    public const int DefaultLimit = 50;

    /// <summary>The largest <c>limit</c> any list route accepts.</summary>
    public const int MaxLimit = 500;

    /// <summary>The longest cursor text accepted: <see cref="PageCursor.TryDecode"/> refuses longer, and the ones handed out are shorter.</summary>
    public const int CursorMaxLength = 64;

    /// <summary>What a list route's OpenAPI description says of its paging.</summary>
    public static readonly string Description = $"limit 1–{MaxLimit} (default {DefaultLimit}); cursor from the previous page.";

    public static readonly string LimitError = $"limit must be a whole number from 1 to {MaxLimit}.";

    public const string CursorError = "cursor is not one this API handed out.";

    /// <summary>The page size asked for, or <see cref="DefaultLimit"/>; a bad limit is recorded as <see cref="LimitError"/>.</summary>
    public static int PageSize(this QueryParameters query, string? limit) => query.Int("limit", limit, 1, MaxLimit) ?? DefaultLimit;

    /// <summary>The position after which the page starts (null for the first page); a bad cursor is recorded as <see cref="CursorError"/>.</summary>
    public static PageCursor? After(this QueryParameters query, string? cursor)
    {
        if (cursor is null)
        {
            return null;
        }
        if (!PageCursor.TryDecode(cursor, out var after))
        {
            query.Fail("cursor", CursorError);
        }
        return after;
    }
}
