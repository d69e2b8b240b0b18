using ConnectorHealth.ServiceDefaults;

namespace ConnectorHealth.UnitTests;

public class QueryParametersTests
{
    [Theory]
    [InlineData("2026-03-01T14:00:00+02:00")]
    [InlineData("2026-03-01T14:00:00 02:00")] // the '+' of an offset left unencoded in a URL arrives as a space
    [InlineData("2026-03-01T07:30:00-04:30")]
    [InlineData("2026-03-01T12:00:00Z")]
    public void ATimeWithAnyOffsetIsTheSameInstantInUtc(string text)
    {
        var query = new QueryParameters();

        var instant = query.Instant("from", text);

        Assert.False(query.HasErrors);
        Assert.Equal(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero), instant);
        Assert.Equal(TimeSpan.Zero, instant!.Value.Offset);
    }

    [Theory]
    [InlineData("2026-03-01T12:00:00")]
    [InlineData("2026-03-01T12:00:00Z\n")]
    [InlineData("2026-03-01T12:00:00 0200")]
    public void ATimeWithoutAnOffsetIsRefusedNamingTheParameter(string text)
    {
        var query = new QueryParameters();

        Assert.Null(query.Instant("from", text));
        Assert.True(query.Errors.ContainsKey("from"));
    }

    [Theory]
    [InlineData("crm", new[] { "crm" })]
    [InlineData("crm,ads,hr.v2", new[] { "crm", "ads", "hr.v2" })]
    [InlineData("crm,ads,crm", new[] { "crm", "ads" })]
    public void ConnectorsAreOneNameOrSeveralSeparatedByCommasEachOnce(string text, string[] expected)
    {
        var query = new QueryParameters();

        Assert.Equal(expected, query.Connectors("connector", text, 3));
        Assert.False(query.HasErrors);
    }

    [Theory]
    [InlineData("")]
    [InlineData("crm,")]
    [InlineData("crm,,ads")]
    [InlineData("crm, ads")]
    [InlineData("crm,ADS")]
    [InlineData("crm,ads,hr,erp")]
    public void ConnectorsWithANameNoConnectorCanHaveOrTooManyAreRefused(string text)
    {
        var query = new QueryParameters();

        Assert.Null(query.Connectors("connector", text, 3));
        Assert.Equal(["connector"], query.Errors.Keys);
    }
}
