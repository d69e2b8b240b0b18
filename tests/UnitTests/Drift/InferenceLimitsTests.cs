using System.ComponentModel.DataAnnotations;
using ConnectorHealth.Drift.Schemas;

namespace ConnectorHealth.UnitTests.Drift;

public class InferenceLimitsTests
{
    [Fact]
    public void TheDefaultsAreValid()
    {
        var limits = new InferenceLimits();

        Assert.Equal((32, 2000, 100, 512), (limits.MaxDepth, limits.MaxFields, limits.ArraySample, limits.MaxPathLength));
        Assert.Empty(Validate(limits));
    }

    [Theory]
    [InlineData(nameof(InferenceLimits.MaxDepth), 0)]
    [InlineData(nameof(InferenceLimits.MaxDepth), 1000)]
    [InlineData(nameof(InferenceLimits.MaxFields), 0)]
    [InlineData(nameof(InferenceLimits.ArraySample), 0)]
    [InlineData(nameof(InferenceLimits.MaxPathLength), 8)]
    public void ALimitOutOfRangeFailsValidation(string property, int value)
    {
        var limits = new InferenceLimits();
        typeof(InferenceLimits).GetProperty(property)!.SetValue(limits, value);

        var failure = Assert.Single(Validate(limits));

        Assert.Equal([property], failure.MemberNames);
    }

    private static List<ValidationResult> Validate(InferenceLimits limits)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(limits, new ValidationContext(limits), results, validateAllProperties: true);
        return results;
    }
}
