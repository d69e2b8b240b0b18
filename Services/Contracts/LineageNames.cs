using System.Security.Cryptography;
using System.Text;

namespace ConnectorHealth.Contracts;

/// <summary>
/// The names this system gives OpenLineage jobs and datasets, derived once here so every service derives the same.
/// A job (<c>namespace</c> + <c>name</c>) is a connector: its name meets the connector-name rule
/// (<see cref="RunDefinition.IsConnectorName"/>). A name that passes through unchanged is kept as it is
/// (<c>default</c> + <c>orders_daily</c> is <c>default.orders_daily</c>); one that had to be changed (upper case, a
/// character outside the rule, a <c>.</c> in the namespace, too long) ends with 8 hex digits of a hash of the original
/// pair, so two different jobs never share a name.
/// </summary>
public static class LineageNames
{
    /// <summary>The hex digits of the hash a changed name ends with.</summary>
    public const int HashLength = 8;

    /// <summary>The connector a job reports as.</summary>
    public static string Connector(string jobNamespace, string jobName) => Derive(jobNamespace, jobName, '.');

    /// <summary>
    /// A dataset's key in every API: as <see cref="Connector"/> but joined by <c>~</c>, a character no connector name
    /// has, so a dataset's schema history never meets a connector's; URL-safe as it is.
    /// </summary>
    public static string Dataset(string datasetNamespace, string datasetName) => Derive(datasetNamespace, datasetName, '~');

    public static bool IsDatasetKey(string? key) =>
        key is { Length: > 0 and <= RunDefinition.MaxConnectorLength } && key.Count(c => c == '~') == 1
        && RunDefinition.IsConnectorName(key.Replace('~', '.'));

    private static string Derive(string space, string name, char separator)
    {
        var left = Slug(space);
        var right = Slug(name);
        var plain = left + separator + right;
        // A plain name never ends the way a hashed one does, so the two kinds cannot meet.
        var unchanged = left == space && right == name && left.Length > 0 && !space.Contains('.')
            && RunDefinition.IsConnectorName(left + "." + right) && !EndsLikeHashed(right);
        if (unchanged)
        {
            return plain;
        }
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(space + "\n" + name)))[..HashLength];
        var room = RunDefinition.MaxConnectorLength - HashLength - 2;
        // Keep the end of the name (a table or task) over the start of the namespace (a host) when both do not fit.
        if (plain.Length > room)
        {
            var rightRoom = Math.Min(right.Length, room - Math.Min(left.Length, room / 3) - 1);
            var leftRoom = room - rightRoom - 1;
            plain = left[..Math.Min(left.Length, leftRoom)] + separator + right[^rightRoom..];
        }
        plain = plain.TrimStart('.', '-');
        return (plain.Length == 0 || plain[0] == separator ? "_" + plain : plain) + "-" + hash;
    }

    private static bool EndsLikeHashed(string name) =>
        name.Length > HashLength && name[^(HashLength + 1)] == '-' && name[^HashLength..].All(char.IsAsciiHexDigitLower);

    /// <summary>Lower case, and every run of characters outside <c>[a-z0-9_.-]</c> one <c>_</c>.</summary>
    private static string Slug(string text)
    {
        var builder = new StringBuilder(Math.Min(text.Length, 256));
        var lastWasReplacement = false;
        foreach (var rune in text.EnumerateRunes())
        {
            var c = rune.IsAscii ? char.ToLowerInvariant((char)rune.Value) : '\0';
            if (c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_' or '.' or '-')
            {
                builder.Append(c);
                lastWasReplacement = false;
            }
            else if (!lastWasReplacement)
            {
                builder.Append('_');
                lastWasReplacement = true;
            }
        }
        return builder.ToString();
    }
}
