using System.Text.Json;
using ConnectorHealth.Drift.PayloadContracts;

namespace ConnectorHealth.UnitTests.Drift;

public sealed class ContractRulesTests
{
    private static readonly DateTimeOffset Revision = new(2026, 6, 1, 0, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("""{"type":5}""")]
    [InlineData("""{"pattern":"("}""")]
    [InlineData("""{"properties":{"a":{"pattern":"("}}}""")]
    [InlineData("""{"$schema":"http://unknown.example/schema"}""")]
    [InlineData("""{"$ref":"#"}""")]
    [InlineData("""{"$defs":{"a":{"$ref":"#/$defs/a"}},"$ref":"#/$defs/a"}""")]
    [InlineData("""{"$ref":"http://example.com/elsewhere"}""")]
    [InlineData("""{"minimum":"x"}""")]
    [InlineData("""{"anyOf":[]}""")]
    [InlineData("""[]""")]
    [InlineData("""42""")]
    public void SchemasTheLibraryCannotUseAreRefusedWithAReason(string schema)
    {
        Assert.False(ContractRules.TryCompile(Json(schema), out var compiled, out var error));
        Assert.Null(compiled);
        Assert.False(string.IsNullOrWhiteSpace(error));
    }

    [Fact]
    public void APayloadIsCheckedWithViolationsAtItsJsonPointers()
    {
        var contract = Json("""
            {"type":"object","required":["user_id","value"],
             "properties":{"user_id":{"type":"integer"},"value":{"type":"integer"},"order":{"type":"object","properties":{"id":{"type":"integer"}}}}}
            """);
        var rules = new ContractRules();

        Assert.Empty(rules.Check("c", Revision, contract, Json("""{"user_id":1,"value":2,"order":{"id":3}}""")));
        var violations = rules.Check("c", Revision, contract, Json("""{"user_id":"1","order":{"id":"3"}}"""));

        Assert.Contains(violations, v => v.StartsWith("/user_id:", StringComparison.Ordinal));
        Assert.Contains(violations, v => v.StartsWith("/order/id:", StringComparison.Ordinal));
        Assert.Contains(violations, v => v.StartsWith("/:", StringComparison.Ordinal) && v.Contains("value", StringComparison.Ordinal));
    }

    [Fact]
    public void AReferenceThatResolvesNowhereFlagsThePayloadsThatReachItInsteadOfThrowing()
    {
        var contract = Json("""{"properties":{"a":{"$ref":"#/nowhere"}}}""");
        Assert.True(ContractRules.TryCompile(contract, out _, out _));

        var rules = new ContractRules();
        Assert.Empty(rules.Check("c", Revision, contract, Json("""{"b":1}""")));
        var violation = Assert.Single(rules.Check("c", Revision, contract, Json("""{"a":1}""")));
        Assert.Contains("could not be evaluated", violation, StringComparison.Ordinal);
    }

    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement.Clone();
}
