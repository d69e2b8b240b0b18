using System.Text;

namespace ConnectorHealth.Contracts;

/// <summary>
/// Text that can travel as UTF-8 and be stored in PostgreSQL: no NUL character (PostgreSQL's text types refuse it) and
/// no lone UTF-16 surrogate (which has no UTF-8 form; Npgsql's strict encoder throws on it).
/// </summary>
public static class StorableText
{
    public const string Rule = "must not contain NUL characters or invalid Unicode (lone surrogates, invalid UTF-8)";

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static bool IsStorable(ReadOnlySpan<char> text) => Problem(text) is null;

    /// <summary>What keeps <paramref name="text"/> from being stored, or null when nothing does.</summary>
    public static string? Problem(ReadOnlySpan<char> text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\0')
            {
                return "contains a NUL character (\\u0000)";
            }
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(c))
            {
                return "contains invalid Unicode (an unpaired surrogate)";
            }
        }
        return null;
    }

    /// <summary>NUL and unpaired surrogates replaced by U+FFFD; other text unchanged.</summary>
    public static string Clean(string text)
    {
        if (IsStorable(text))
        {
            return text;
        }
        var builder = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                builder.Append(c).Append(text[++i]);
            }
            else
            {
                builder.Append(c == '\0' || char.IsSurrogate(c) ? '\uFFFD' : c);
            }
        }
        return builder.ToString();
    }

    /// <summary>Percent-decodes a URL component strictly: false for invalid UTF-8 (e.g. %ED%A0%80, an encoded surrogate).</summary>
    public static bool TryPercentDecode(ReadOnlySpan<char> raw, bool plusIsSpace, out string decoded)
    {
        var bytes = new byte[Encoding.UTF8.GetMaxByteCount(raw.Length)];
        var count = 0;
        for (var i = 0; i < raw.Length; i++)
        {
            var c = raw[i];
            if (c == '%' && i + 2 < raw.Length && char.IsAsciiHexDigit(raw[i + 1]) && char.IsAsciiHexDigit(raw[i + 2]))
            {
                bytes[count++] = (byte)(HexValue(raw[i + 1]) << 4 | HexValue(raw[i + 2]));
                i += 2;
            }
            else if (c == '+' && plusIsSpace)
            {
                bytes[count++] = (byte)' ';
            }
            else if (char.IsAscii(c))
            {
                bytes[count++] = (byte)c;
            }
            else
            {
                count += Encoding.UTF8.GetBytes(raw.Slice(i, 1), bytes.AsSpan(count));
            }
        }

        try
        {
            decoded = StrictUtf8.GetString(bytes, 0, count);
            return true;
        }
        catch (DecoderFallbackException)
        {
            decoded = "";
            return false;
        }
    }

    private static int HexValue(char c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}
