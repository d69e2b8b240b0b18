using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using Microsoft.AspNetCore.WebUtilities;

namespace ConnectorHealth.Metrics.Queries;

// An opaque position in the newest-first run list: the last run of the previous page.
public sealed record RunCursor(DateTimeOffset StartedAt, Guid RunId)
{
    private const int Length = sizeof(long) + 16;

    public string Encode()
    {
        Span<byte> bytes = stackalloc byte[Length];
        BinaryPrimitives.WriteInt64BigEndian(bytes, StartedAt.UtcTicks);
        RunId.TryWriteBytes(bytes[sizeof(long)..], bigEndian: true, out _);
        return WebEncoders.Base64UrlEncode(bytes);
    }

    public static bool TryDecode(string? text, [NotNullWhen(true)] out RunCursor? cursor)
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

        cursor = new RunCursor(new DateTimeOffset(ticks, TimeSpan.Zero), new Guid(bytes.AsSpan(sizeof(long)), bigEndian: true));
        return true;
    }
}
