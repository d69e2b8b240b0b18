using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using ConnectorHealth.Drift.PayloadContracts;

namespace ConnectorHealth.UnitTests.Drift;

public sealed class ContractBudgetTests
{
    private static readonly DateTimeOffset Revision = new(2026, 6, 1, 0, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("""{"$ref":"#"}""", "# → #")]
    [InlineData("""{"anyOf":[{"type":"string"},{"$ref":"#"}]}""", "# → #/anyOf/1 → #")]
    [InlineData("""{"type":"object","allOf":[{"$ref":"#/$defs/a"}],"$defs":{"a":{"not":{"$ref":"#/$defs/b"}},"b":{"oneOf":[{"$ref":"#/$defs/a"}]}}}""",
        "#/$defs/a → #/$defs/a/not → #/$defs/b → #/$defs/b/oneOf/0 → #/$defs/a")]
    [InlineData("""{"$defs":{"n":{"$anchor":"node","if":{"$ref":"#node"}}},"$ref":"#/$defs/n"}""", "#/$defs/n → #/$defs/n/if → #/$defs/n")]
    [InlineData("""{"$id":"https://example.com/s.json","dependentSchemas":{"a":{"$ref":"https://example.com/s.json"}}}""", "# → #/dependentSchemas/a → #")]
    public void AReferenceCycleThatNeverMovesIntoThePayloadIsRefusedNamingTheCycle(string schema, string cycle)
    {
        var problem = ContractGraph.Problem(Json(schema));

        Assert.NotNull(problem);
        Assert.Contains(cycle, problem, StringComparison.Ordinal);
        Assert.False(ContractRules.TryCompile(Json(schema), out _, out var error));
        Assert.Contains(cycle, error, StringComparison.Ordinal);
    }

    [Fact]
    public void RecursionThroughPropertiesAndItemsDescribesTreesAndIsChecked()
    {
        var tree = Json("""
            {"type":"object","required":["name"],
             "properties":{"name":{"type":"string"},"children":{"type":"array","items":{"$ref":"#"}},"parent":{"$ref":"#/$defs/link"}},
             "$defs":{"link":{"anyOf":[{"type":"null"},{"$ref":"#"}]}}}
            """);
        Assert.Null(ContractGraph.Problem(tree));
        Assert.True(ContractRules.TryCompile(tree, out _, out var error), error);

        var rules = new ContractRules();
        Assert.Empty(rules.Check("c", Revision, tree, Json("""{"name":"a","children":[{"name":"b","children":[{"name":"c"}]}],"parent":null}""")));
        var violation = Assert.Single(rules.Check("c", Revision, tree, Json("""{"name":"a","children":[{"name":"b","children":[{"name":7}]}]}""")));
        Assert.StartsWith("/children/0/children/0/name:", violation, StringComparison.Ordinal);
    }

    [Fact]
    public void ASchemaNestedDeeperThanTheLimitIsRefused()
    {
        var deep = new JsonObject { ["type"] = "string" };
        for (var i = 0; i < 40; i++)
        {
            deep = new JsonObject { ["type"] = "object", ["properties"] = new JsonObject { ["a"] = deep } };
        }
        var document = JsonDocument.Parse(deep.ToJsonString(), new JsonDocumentOptions { MaxDepth = 200 }).RootElement;

        Assert.False(ContractRules.TryCompile(document, out _, out var error));
        Assert.Contains($"deeper than {ContractGraph.MaxDepth} levels", error, StringComparison.Ordinal);
    }

    [Fact]
    public void AChainOfReferencesLongerThanTheLimitIsRefused()
    {
        var defs = new JsonObject();
        for (var i = 0; i < 100; i++)
        {
            defs[$"d{i}"] = new JsonObject { ["$ref"] = $"#/$defs/d{i + 1}" };
        }
        defs["d100"] = new JsonObject { ["type"] = "string" };
        var schema = Json(new JsonObject { ["$ref"] = "#/$defs/d0", ["$defs"] = defs }.ToJsonString());

        Assert.False(ContractRules.TryCompile(schema, out _, out var error));
        Assert.Contains($"more than {ContractGraph.MaxDepth} subschemas in a chain", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"properties":{"v":{"pattern":"^(a+)+$"}}}""")]
    [InlineData("""{"patternProperties":{"^v$":{"pattern":"^(a+)+$"}}}""")]
    [InlineData("""{"$schema":"http://json-schema.org/draft-07/schema#","properties":{"v":{"pattern":"^(a+)+$"}}}""")]
    [InlineData("""{"propertyNames":{"pattern":"^(a|aa)+$"},"properties":{"v":{"type":"string"}}}""")]
    public void ACatastrophicPatternIsCutOffAtTheBudgetAndFlagsThePayload(string schema)
    {
        var contract = Json(schema);
        var rules = new ContractRules(TimeSpan.FromMilliseconds(300));
        var value = new string('a', 64) + "!";
        var payload = schema.Contains("propertyNames", StringComparison.Ordinal)
            ? Json($$"""{"{{value}}":1}""")
            : Json($$"""{"v":"{{value}}"}""");

        var clock = Stopwatch.StartNew();
        var violation = Assert.Single(rules.Check("c", Revision, contract, payload));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"the check took {clock.Elapsed}");
        Assert.Contains("could not be checked within 300 ms", violation, StringComparison.Ordinal);
    }

    [Fact]
    public void PatternsStillMatchAndFailAsBeforeUnderTheBudget()
    {
        var contract = Json("""{"properties":{"v":{"pattern":"^(a+)+$"}},"patternProperties":{"^x":{"type":"integer"}},"additionalProperties":false}""");
        var rules = new ContractRules();

        Assert.Empty(rules.Check("c", Revision, contract, Json("""{"v":"aaaa","x1":1}""")));
        var violations = rules.Check("c", Revision, contract, Json("""{"v":"b","x1":"no","y":1}"""));

        Assert.Contains(violations, v => v.StartsWith("/v:", StringComparison.Ordinal));
        Assert.Contains(violations, v => v.StartsWith("/x1:", StringComparison.Ordinal));
        Assert.Contains(violations, v => v.StartsWith("/y:", StringComparison.Ordinal) || v.StartsWith("/:", StringComparison.Ordinal));
    }

    [Fact]
    public void ASchemaThatBranchesExponentiallyIsCutOffAtTheBudget()
    {
        // Each level refers three times to the next: 3^25 paths to the leaf, no cycle, a small document.
        var defs = new JsonObject();
        for (var i = 0; i < 25; i++)
        {
            var next = $"#/$defs/d{i + 1}";
            defs[$"d{i}"] = new JsonObject { ["anyOf"] = new JsonArray(new JsonObject { ["$ref"] = next }, new JsonObject { ["$ref"] = next }, new JsonObject { ["$ref"] = next }) };
        }
        defs["d25"] = new JsonObject { ["type"] = "string" };
        var contract = Json(new JsonObject { ["properties"] = new JsonObject { ["v"] = new JsonObject { ["$ref"] = "#/$defs/d0" } }, ["$defs"] = defs }.ToJsonString());
        Assert.True(ContractRules.TryCompile(contract, out _, out var error), error);
        var rules = new ContractRules(TimeSpan.FromMilliseconds(300));

        var clock = Stopwatch.StartNew();
        var violation = Assert.Single(rules.Check("c", Revision, contract, Json("""{"v":1}""")));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"the check took {clock.Elapsed}");
        Assert.Contains("could not be checked within 300 ms", violation, StringComparison.Ordinal);
    }

    [Fact]
    public void AStoredContractWithACycleFlagsPayloadsInsteadOfOverflowingTheStack()
    {
        // Stored before cycles were refused at PUT: the check must neither recurse nor throw.
        var rules = new ContractRules();

        var violation = Assert.Single(rules.Check("c", Revision, Json("""{"anyOf":[{"$ref":"#"}]}"""), Json("""{"a":1}""")));

        Assert.Contains("refers to itself", violation, StringComparison.Ordinal);
    }

    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement.Clone();
}
