using ConnectorHealth.Alerting.Alerts;
using ConnectorHealth.Alerting.Rules;
using ConnectorHealth.Contracts;

namespace ConnectorHealth.UnitTests.Alerting;

public sealed class DriftRuleTests
{
    private static readonly DateTimeOffset At = new(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);

    private static SchemaDriftDetected Drift(
        IReadOnlyList<SchemaChange> changes,
        bool breaking = false,
        DriftAction action = DriftAction.Alerted,
        DriftKind kind = DriftKind.NewVersion,
        bool oscillating = false,
        IReadOnlyList<string>? violations = null) => new()
        {
            EventId = 7,
            Connector = "crm",
            RunId = Guid.Parse("0197a0c4-0000-7000-8000-000000000001"),
            FinishedAt = At,
            FromVersion = 1,
            ToVersion = action == DriftAction.Quarantined ? null : 2,
            Kind = kind,
            Oscillating = oscillating,
            Changes = changes,
            Compatibility = CompatibilityMode.Backward,
            Breaking = breaking,
            Action = action,
            ContractViolations = violations ?? [],
            DetectedAt = At,
        };

    private static SchemaChange Added(string path) => new(path, SchemaChangeKind.FieldAdded, null, "string", Breaking: false);

    [Fact]
    public void OnlyAddedFieldsAreInfo()
    {
        var finding = DriftRule.Evaluate(Drift([Added("$.currency"), Added("$.amount")]));

        Assert.Equal(RuleNames.SchemaDrift, finding.Rule);
        Assert.Equal(Severity.Info, finding.Severity);
        Assert.Equal("$.amount,$.currency", finding.Key);
        Assert.Equal("Schema changed v1 → v2 (compatible under backward): 2 change(s), 0 breaking at $.amount, $.currency", finding.Message);
        Assert.Equal("Update mapping/contract; optionally quarantine payloads and replay after fix.", finding.RecommendedAction);
    }

    [Fact]
    public void ANonBreakingChangeBeyondAddingFieldsIsAWarning()
    {
        var widened = new SchemaChange("$.value", SchemaChangeKind.TypeWidened, "integer", "number", Breaking: false);

        Assert.Equal(Severity.Warning, DriftRule.Evaluate(Drift([Added("$.currency"), widened])).Severity);
    }

    [Fact]
    public void ABreakingChangeIsCritical()
    {
        var removed = new SchemaChange("$.value", SchemaChangeKind.FieldRemoved, "integer", null, Breaking: true);

        var finding = DriftRule.Evaluate(Drift([removed], breaking: true));

        Assert.Equal(Severity.Critical, finding.Severity);
        Assert.Equal("$.value", finding.Key);
        Assert.Contains("breaking under backward", finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AQuarantinedPayloadIsCriticalWithTheReplayStep()
    {
        var finding = DriftRule.Evaluate(Drift(
            [], breaking: true, action: DriftAction.Quarantined, kind: DriftKind.ContractViolation,
            violations: ["/user_id: Value is \"string\" but should be \"integer\"", "/: Required properties [\"value\"] are not present"]));

        Assert.Equal(Severity.Critical, finding.Severity);
        Assert.Equal("/,/user_id", finding.Key);
        Assert.StartsWith("Payload quarantined: contract broken", finding.Message, StringComparison.Ordinal);
        Assert.StartsWith(
            "Update mapping/contract; optionally quarantine payloads and replay after fix. Fix the contract or the source, then POST /api/quarantine/{id}/replay",
            finding.RecommendedAction,
            StringComparison.Ordinal);
        Assert.Contains("GET /api/quarantine?connector=crm", finding.RecommendedAction, StringComparison.Ordinal);
    }

    [Fact]
    public void QuarantineIsCriticalEvenWhenNotMarkedBreaking()
    {
        Assert.Equal(Severity.Critical, DriftRule.Evaluate(Drift([Added("$.x")], action: DriftAction.Quarantined)).Severity);
    }

    [Fact]
    public void AChangeAndItsOscillationAreOneAlertWhicheverWayItFlipped()
    {
        var change = DriftRule.Evaluate(Drift([Added("$.amount")]));
        var forth = DriftRule.Evaluate(Drift([Added("$.amount")], kind: DriftKind.Reverted, oscillating: true));
        var back = DriftRule.Evaluate(Drift(
            [new SchemaChange("$.amount", SchemaChangeKind.FieldRemoved, "number", null, Breaking: true)],
            breaking: true, kind: DriftKind.Reverted, oscillating: true));

        Assert.Equal("$.amount", change.Key);
        Assert.Equal(change.Key, forth.Key);
        Assert.Equal(change.Key, back.Key);
        Assert.Contains("oscillating", back.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheKeyIsTheSameWhateverTheOrderOfTheChanges()
    {
        var renamed = new SchemaChange("$.total", SchemaChangeKind.Renamed, "number", "number", Breaking: true, PreviousPath: "$.amount", Guess: true);

        var one = DriftRule.Evaluate(Drift([Added("$.b"), renamed, Added("$.a")]));
        var other = DriftRule.Evaluate(Drift([Added("$.a"), Added("$.b"), renamed]));

        Assert.Equal("$.a,$.amount,$.b,$.total", one.Key);
        Assert.Equal(one.Key, other.Key);
    }
}
