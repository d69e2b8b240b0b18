using System.Buffers;
using System.Globalization;
using System.Text;

namespace ConnectorHealth.Drift.Schemas;

/// <summary>
/// The path syntax of <see cref="FieldSchema.Path"/>, built and read in this one place. The root is <c>$</c>; a member
/// whose name is an identifier is <c>.name</c>, any other <c>['name']</c> with <c>\</c> → <c>\\</c>, <c>'</c> →
/// <c>\'</c> and control characters → <c>\u000A</c> (everything else, non-ASCII included, as is); array items are
/// <c>[]</c>. So names holding dots, brackets or quotes, and the empty name, never read as another path.
/// </summary>
public static class FieldPath
{
    public const string Root = "$";
    public const string ItemsSegment = "[]";

    private const int StackLimit = 256;

    private static readonly SearchValues<char> IdentifierChars =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_");

    private static readonly SearchValues<char> Escaped = SearchValues.Create(
        "\\'\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\u0008\u0009\u000A\u000B\u000C\u000D\u000E\u000F" +
        "\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001A\u001B\u001C\u001D\u001E\u001F");

    /// <summary>The path of member <paramref name="name"/> of the object at <paramref name="parent"/>.</summary>
    public static string Member(string parent, ReadOnlySpan<char> name)
    {
        if (IsIdentifier(name))
        {
            return string.Concat(parent, ".", name);
        }
        var length = MemberPathLength(parent, name);
        char[]? rented = null;
        Span<char> buffer = length <= StackLimit ? stackalloc char[StackLimit] : (rented = ArrayPool<char>.Shared.Rent(length));
        parent.CopyTo(buffer);
        var at = parent.Length;
        buffer[at++] = '[';
        buffer[at++] = '\'';
        foreach (var c in name)
        {
            if (c is '\\' or '\'')
            {
                buffer[at++] = '\\';
                buffer[at++] = c;
            }
            else if (c < ' ')
            {
                buffer[at++] = '\\';
                buffer[at++] = 'u';
                ((int)c).TryFormat(buffer[at..], out _, "X4", CultureInfo.InvariantCulture);
                at += 4;
            }
            else
            {
                buffer[at++] = c;
            }
        }
        buffer[at++] = '\'';
        buffer[at++] = ']';
        var path = new string(buffer[..at]);
        if (rented is not null)
        {
            ArrayPool<char>.Shared.Return(rented);
        }
        return path;
    }

    /// <summary>The path of the items of the array at <paramref name="parent"/>.</summary>
    public static string Items(string parent) => parent + ItemsSegment;

    /// <summary>The length <see cref="Member"/> would return, without building the path.</summary>
    public static int MemberPathLength(string parent, ReadOnlySpan<char> name)
    {
        if (IsIdentifier(name))
        {
            return parent.Length + 1 + name.Length;
        }
        var length = parent.Length + name.Length + 4;
        var rest = name;
        int at;
        while ((at = rest.IndexOfAny(Escaped)) >= 0)
        {
            length += rest[at] < ' ' ? 5 : 1;
            rest = rest[(at + 1)..];
        }
        return length;
    }

    /// <summary>The path without its last segment; null for the root and for text that is not a path.</summary>
    public static string? Parent(string path) => TryLastSegment(path, out var start) && start > 0 ? path[..start] : null;

    /// <summary>
    /// The member name the path ends with (unescaped), or null when the path is the root, ends with array items, or is
    /// not a path.
    /// </summary>
    public static string? MemberName(string path)
    {
        if (!TryLastSegment(path, out var start) || start == 0)
        {
            return null;
        }
        var segment = path.AsSpan(start);
        if (segment[0] == '.')
        {
            return new string(segment[1..]);
        }
        if (segment.Length < 4 || segment[1] != '\'')
        {
            return null;
        }
        var quoted = segment[2..^2];
        if (!quoted.Contains('\\'))
        {
            return new string(quoted);
        }
        var name = new StringBuilder(quoted.Length);
        for (var i = 0; i < quoted.Length; i++)
        {
            if (quoted[i] != '\\')
            {
                name.Append(quoted[i]);
            }
            else if (quoted[++i] == 'u')
            {
                name.Append((char)ushort.Parse(quoted.Slice(i + 1, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture));
                i += 4;
            }
            else
            {
                name.Append(quoted[i]);
            }
        }
        return name.ToString();
    }

    private static bool IsIdentifier(ReadOnlySpan<char> name) =>
        name.Length > 0 && !char.IsAsciiDigit(name[0]) && !name.ContainsAnyExcept(IdentifierChars);

    // Walks the whole path, so a bracket or dot inside a quoted name is never taken for a segment boundary; start is
    // where the last segment begins (0 for the bare root).
    private static bool TryLastSegment(string path, out int start)
    {
        start = 0;
        if (!path.StartsWith('$'))
        {
            return false;
        }
        var i = 1;
        while (i < path.Length)
        {
            start = i;
            if (path[i] == '.')
            {
                i++;
                var end = path.AsSpan(i).IndexOfAnyExcept(IdentifierChars);
                var length = end < 0 ? path.Length - i : end;
                if (length == 0 || char.IsAsciiDigit(path[i]))
                {
                    return false;
                }
                i += length;
            }
            else if (path.AsSpan(i).StartsWith(ItemsSegment))
            {
                i += 2;
            }
            else if (path.AsSpan(i).StartsWith("['"))
            {
                i += 2;
                while (i < path.Length && path[i] != '\'')
                {
                    if (path[i] == '\\')
                    {
                        var escape = i + 1 < path.Length ? path[i + 1] : '\0';
                        if (escape is '\\' or '\'')
                        {
                            i += 2;
                        }
                        else if (escape == 'u' && i + 6 <= path.Length
                            && ushort.TryParse(path.AsSpan(i + 2, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out _))
                        {
                            i += 6;
                        }
                        else
                        {
                            return false;
                        }
                    }
                    else
                    {
                        i++;
                    }
                }
                if (i + 1 >= path.Length || path[i + 1] != ']')
                {
                    return false;
                }
                i += 2;
            }
            else
            {
                return false;
            }
        }
        return true;
    }
}
