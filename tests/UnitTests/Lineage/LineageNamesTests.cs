using ConnectorHealth.Contracts;
using CsCheck;

namespace ConnectorHealth.UnitTests.Lineage;

/// <summary>The one derivation of job and dataset names: always a valid name, the same for the same pair, different for different pairs.</summary>
public sealed class LineageNamesTests
{
    private static readonly Gen<string> Part = Gen.OneOf(
        Gen.String[1, 40],
        Gen.String[Gen.Char["abcdefghijklmnopqrstuvwxyz0123456789_.-"], 1, 30],
        Gen.String[Gen.Char["abcXYZ019_.-/:~ ü😀"], 1, 200],
        Gen.Const("postgres://db.example.com:5432"),
        Gen.Const("default"),
        Gen.Const("."),
        Gen.Const("-"),
        Gen.Const("~"));

    [Fact]
    public void WhateverTheJobAConnectorNameIsDerivedThatMeetsTheRuleAndDiffersFromEveryOtherJobs()
    {
        Gen.Select(Part, Part, Part, Part).Sample((ns, name, otherNs, otherName) =>
        {
            var connector = LineageNames.Connector(ns, name);
            Assert.True(RunDefinition.IsConnectorName(connector), $"'{connector}' from ('{ns}', '{name}')");
            Assert.Equal(connector, LineageNames.Connector(ns, name));
            if ((ns, name) != (otherNs, otherName))
            {
                Assert.NotEqual(connector, LineageNames.Connector(otherNs, otherName));
            }
        }, iter: 20_000);
    }

    [Fact]
    public void WhateverTheDatasetItsKeyIsUrlSafeNeverAConnectorNameAndDiffersFromEveryOtherDatasets()
    {
        Gen.Select(Part, Part, Part, Part).Sample((ns, name, otherNs, otherName) =>
        {
            var key = LineageNames.Dataset(ns, name);
            Assert.True(LineageNames.IsDatasetKey(key), $"'{key}' from ('{ns}', '{name}')");
            Assert.False(RunDefinition.IsConnectorName(key));
            Assert.Equal(Uri.EscapeDataString(key), key);
            if ((ns, name) != (otherNs, otherName))
            {
                Assert.NotEqual(key, LineageNames.Dataset(otherNs, otherName));
            }
        }, iter: 20_000);
    }

    [Theory]
    [InlineData("default", "orders_daily", "default.orders_daily")]
    [InlineData("airflow", "etl_dag.load_orders", "airflow.etl_dag.load_orders")]
    public void ANameThatMeetsTheRuleIsKeptAsItIs(string ns, string name, string expected) =>
        Assert.Equal(expected, LineageNames.Connector(ns, name));

    [Theory]
    [InlineData("Default", "orders")]
    [InlineData("a.b", "c")]
    [InlineData("a", "b.c")]
    [InlineData("spark://host:7077", "My App.execute_insert_into")]
    public void ANameThatHadToChangeEndsWithTheHashOfTheOriginalPair(string ns, string name)
    {
        var connector = LineageNames.Connector(ns, name);
        if (ns.Contains('.') || ns != ns.ToLowerInvariant() || name.Any(c => !char.IsAsciiLetterLower(c) && !char.IsAsciiDigit(c) && c is not ('_' or '.' or '-')))
        {
            Assert.Matches("-[0-9a-f]{8}$", connector);
        }
        Assert.True(RunDefinition.IsConnectorName(connector));
    }

    [Fact]
    public void ANamespaceWithADotCannotBeConfusedWithANameWithOne() =>
        Assert.NotEqual(LineageNames.Connector("a.b", "c"), LineageNames.Connector("a", "b.c"));
}
