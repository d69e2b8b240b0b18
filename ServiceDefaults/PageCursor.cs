using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using Microsoft.AspNetCore.WebUtilities;

namespace ConnectorHealth.ServiceDefaults;

// An opaque position in a newest-first list ordered by (time, id): the last item of the previous page.
public sealed record PageCursor(DateTimeOffset At, Guid Id)
{
    private const int Length = sizeof(long) + 16;

    /// <summary>A position in a list whose items have numeric ids: the id travels in the last 8 bytes.</summary>
    public static PageCursor ForNumber(DateTimeOffset at, long id)
    {
        Span<byte> bytes = stackalloc byte[16];
        BinaryPrimitives.WriteInt64BigEndian(bytes[8..], id);
        return new PageCursor(at, new Guid(bytes, bigEndian: true));
    }

    /// <summary>The numeric id of a cursor made by <see cref="ForNumber"/>.</summary>
    public long NumberId
    {
        get
        {
            Span<byte> bytes = stackalloc byte[16];
            Id.TryWriteBytes(bytes, bigEndian: true, out _);
            return BinaryPrimitives.ReadInt64BigEndian(bytes[8..]);
        }
    }

    public string Encode()
    {
        Span<byte> bytes = stackalloc byte[Length];
        BinaryPrimitives.WriteInt64BigEndian(bytes, At.UtcTicks);
        Id.TryWriteBytes(bytes[sizeof(long)..], bigEndian: true, out _);
        return WebEncoders.Base64UrlEncode(bytes);
    }

    public static bool TryDecode(string? text, [NotNullWhen(true)] out PageCursor? cursor)
    {
        cursor = null;
        if (string.IsNullOrEmpty(text) || text.Length > 64)
        {
            return false;
        }

        byte[] bytes;
        try
        {
            bytes = WebEncoders.Base64UrlDecode(text);
        }
        catch (FormatException)
        {
            return false;
        }

        if (bytes.Length != Length)
        {
            return false;
        }

        var ticks = BinaryPrimitives.ReadInt64BigEndian(bytes);
        if (ticks < DateTimeOffset.MinValue.UtcTicks || ticks > DateTimeOffset.MaxValue.UtcTicks)
        {
            return false;
        }

        cursor = new PageCursor(new DateTimeOffset(ticks, TimeSpan.Zero), new Guid(bytes.AsSpan(sizeof(long)), bigEndian: true));
        return true;
    }
}
