using System.Collections;
using System.Globalization;
using System.Text.Json;
using Npgsql;

namespace ConnectorHealth.IntegrationTests.Infrastructure;

/// <summary>
/// Asserts that a set-up of replicas holds and answers what a one-replica oracle does: table by table, row by row, and
/// answer by answer. Floating-point values may differ in their last bits only: a sum folded in another grouping (runs
/// arrive in other batches on other replicas) rounds differently.
/// </summary>
internal static class OracleComparison
{
    private const double RelativeTolerance = 1e-9;

    /// <summary>
    /// Every row of <paramref name="table"/> in both databases, ordered by its columns in order (a table's key comes
    /// first), leaving out <paramref name="ignored"/> columns; returns the number of rows compared.
    /// </summary>
    public static async Task<int> AssertSameTableAsync(
        NpgsqlDataSource oracle, NpgsqlDataSource replicas, string table, params string[] ignored)
    {
        var (schema, name) = (table.Split('.')[0], table.Split('.')[1]);
        var columns = (await DatabaseRows.ReadAsync(oracle,
                "SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position",
                schema, name))
            .Select(row => (string)row[0]!).ToList();
        Assert.True(columns.Count > 0, $"{table} has no columns: is it there?");
        foreach (var column in ignored)
        {
            Assert.True(columns.Remove(column), $"{table} has no column {column} to leave out.");
        }
        var select = $"SELECT {string.Join(", ", columns)} FROM {table} ORDER BY {string.Join(", ", Enumerable.Range(1, columns.Count))}";
        var expected = await DatabaseRows.ReadAsync(oracle, select);
        var actual = await DatabaseRows.ReadAsync(replicas, select);
        AssertSameRows(table, columns, expected, actual);
        return expected.Count;
    }

    public static void AssertSameRows(string what, IReadOnlyList<string> columns, List<object?[]> expected, List<object?[]> actual)
    {
        Assert.True(expected.Count == actual.Count, $"{what}: the oracle has {expected.Count} rows, the replicas {actual.Count}.");
        for (var i = 0; i < expected.Count; i++)
        {
            for (var c = 0; c < columns.Count; c++)
            {
                Assert.True(SameValue(expected[i][c], actual[i][c]),
                    $"{what}, row {i}, column {columns[c]}: the oracle has {Show(expected[i][c])}, the replicas {Show(actual[i][c])}.\n"
                    + $"oracle:   {string.Join(" | ", expected[i].Select(Show))}\nreplicas: {string.Join(" | ", actual[i].Select(Show))}");
            }
        }
    }

    /// <summary>Two answers of an API, member by member; numbers within the tolerance.</summary>
    public static void AssertSameJson(string what, JsonElement expected, JsonElement actual) =>
        AssertSameJson(what, "$", expected, actual);

    private static void AssertSameJson(string what, string path, JsonElement expected, JsonElement actual)
    {
        Assert.True(expected.ValueKind == actual.ValueKind,
            $"{what} at {path}: the oracle answers {expected.GetRawText()}, the replica {actual.GetRawText()}.");
        switch (expected.ValueKind)
        {
            case JsonValueKind.Object:
                var names = expected.EnumerateObject().Select(p => p.Name).ToList();
                Assert.True(names.SequenceEqual(actual.EnumerateObject().Select(p => p.Name)),
                    $"{what} at {path}: the oracle answers members {string.Join(',', names)}, the replica {string.Join(',', actual.EnumerateObject().Select(p => p.Name))}.");
                foreach (var name in names)
                {
                    AssertSameJson(what, $"{path}.{name}", expected.GetProperty(name), actual.GetProperty(name));
                }
                break;
            case JsonValueKind.Array:
                Assert.True(expected.GetArrayLength() == actual.GetArrayLength(),
                    $"{what} at {path}: the oracle answers {expected.GetArrayLength()} items, the replica {actual.GetArrayLength()}.");
                for (var i = 0; i < expected.GetArrayLength(); i++)
                {
                    AssertSameJson(what, $"{path}[{i}]", expected[i], actual[i]);
                }
                break;
            case JsonValueKind.Number:
                Assert.True(Close(expected.GetDouble(), actual.GetDouble()),
                    $"{what} at {path}: the oracle answers {expected.GetRawText()}, the replica {actual.GetRawText()}.");
                break;
            default:
                Assert.True(expected.GetRawText() == actual.GetRawText(),
                    $"{what} at {path}: the oracle answers {expected.GetRawText()}, the replica {actual.GetRawText()}.");
                break;
        }
    }

    private static bool SameValue(object? expected, object? actual) => (expected, actual) switch
    {
        (null, null) => true,
        (null, _) or (_, null) => false,
        (double a, double b) => Close(a, b),
        (string a, string b) => a == b,
        (IEnumerable a, IEnumerable b) => a.Cast<object?>().Zip(b.Cast<object?>()).All(p => SameValue(p.First, p.Second))
            && a.Cast<object?>().Count() == b.Cast<object?>().Count(),
        _ => expected.Equals(actual),
    };

    private static bool Close(double a, double b) =>
        a.Equals(b) || Math.Abs(a - b) <= RelativeTolerance * Math.Max(Math.Abs(a), Math.Abs(b));

    private static string Show(object? value) => value switch
    {
        null => "null",
        string text => text,
        IEnumerable items => $"[{string.Join(", ", items.Cast<object?>().Select(Show))}]",
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
