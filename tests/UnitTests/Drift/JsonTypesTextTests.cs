using ConnectorHealth.Drift.Schemas;

namespace ConnectorHealth.UnitTests.Drift;

public class JsonTypesTextTests
{
    [Theory]
    [InlineData(JsonTypes.Integer, false, "integer")]
    [InlineData(JsonTypes.Number | JsonTypes.String, false, "number|string")]
    [InlineData(JsonTypes.String, true, "string|null")]
    [InlineData(JsonTypes.None, true, "null")]
    [InlineData(JsonTypes.None, false, "none")]
    [InlineData(JsonTypes.Array | JsonTypes.Boolean, false, "boolean|array")]
    [InlineData(JsonTypes.Object | JsonTypes.Integer, true, "integer|object|null")]
    [InlineData((JsonTypes)63, true, "boolean|integer|number|string|object|array|null")]
    public void TypesAreWrittenInAFixedOrderWithNullLast(JsonTypes types, bool nullable, string expected)
    {
        Assert.Equal(expected, JsonTypesText.Format(types, nullable));
    }

    [Fact]
    public void EveryCombinationReadsBackAsWritten()
    {
        for (var types = 0; types < 64; types++)
        {
            foreach (var nullable in new[] { false, true })
            {
                var text = JsonTypesText.Format((JsonTypes)types, nullable);

                Assert.Equal(((JsonTypes)types, nullable), JsonTypesText.Parse(text));
            }
        }
    }

    [Fact]
    public void NamesAreReadInAnyOrder()
    {
        Assert.Equal((JsonTypes.Integer | JsonTypes.String, true), JsonTypesText.Parse("null|string|integer"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("strin")]
    [InlineData("string|")]
    [InlineData("|null")]
    [InlineData("Integer")]
    [InlineData("none|null")]
    [InlineData("string null")]
    public void TextThatIsNotAListOfTypesIsRefused(string text)
    {
        Assert.False(JsonTypesText.TryParse(text, out _, out _));
        Assert.Throws<FormatException>(() => JsonTypesText.Parse(text));
    }

    [Fact]
    public void AValueOutsideTheFlagsIsRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => JsonTypesText.Format((JsonTypes)64, false));
    }
}
