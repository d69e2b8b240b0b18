using System.Globalization;
using System.Text;
using System.Text.Json;
using ConnectorHealth.Contracts;

namespace ConnectorHealth.Runner.Payloads;

/// <summary>
/// Reading and repairing JSON text that is not <see cref="StorableText"/>: JSON escapes (<c>\u0000</c>, <c>\ud800</c>)
/// let NUL and lone surrogates through the parser, and <see cref="JsonElement.GetString"/> throws on the latter.
/// </summary>
public static class JsonText
{
    public const char Replacement = '\uFFFD';

    /// <summary>The current string value or property name as written, lone surrogates included (never throws on them).</summary>
    public static string Read(ref Utf8JsonReader reader)
    {
        try
        {
            return reader.GetString()!;
        }
        catch (InvalidOperationException)
        {
            var raw = reader.HasValueSequence ? System.Buffers.BuffersExtensions.ToArray(reader.ValueSequence) : reader.ValueSpan.ToArray();
            return Unescape(Encoding.UTF8.GetString(raw));
        }
    }

    /// <summary>NUL and unpaired surrogates replaced by U+FFFD; other text unchanged.</summary>
    public static string Clean(string text) => StorableText.Clean(text);

    /// <summary>
    /// <paramref name="text"/> in at most <paramref name="length"/> characters: when longer, its start and an ellipsis,
    /// never cut inside a surrogate pair.
    /// </summary>
    public static string Shorten(string text, int length)
    {
        if (text.Length <= length)
        {
            return text;
        }
        var keep = Math.Max(length - 1, 0);
        if (keep > 0 && char.IsHighSurrogate(text[keep - 1]))
        {
            keep--;
        }
        return string.Concat(text.AsSpan(0, keep), "…");
    }

    private static string Unescape(string raw)
    {
        var body = raw.AsSpan();
        var builder = new StringBuilder(body.Length);
        for (var i = 0; i < body.Length; i++)
        {
            if (body[i] != '\\' || i + 1 >= body.Length)
            {
                builder.Append(body[i]);
                continue;
            }
            var escape = body[++i];
            switch (escape)
            {
                case 'b': builder.Append('\b'); break;
                case 'f': builder.Append('\f'); break;
                case 'n': builder.Append('\n'); break;
                case 'r': builder.Append('\r'); break;
                case 't': builder.Append('\t'); break;
                case 'u' when i + 4 < body.Length
                    && ushort.TryParse(body.Slice(i + 1, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var code):
                    builder.Append((char)code);
                    i += 4;
                    break;
                default: builder.Append(escape); break;
            }
        }
        return builder.ToString();
    }
}
