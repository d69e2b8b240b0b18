using ConnectorHealth.Drift.Schemas;

namespace ConnectorHealth.UnitTests.Drift;

public class FieldPathTests
{
    [Theory]
    [InlineData("$", "name", "$.name")]
    [InlineData("$", "_x9", "$._x9")]
    [InlineData("$.a", "a.b", "$.a['a.b']")]
    [InlineData("$", "a[0]", "$['a[0]']")]
    [InlineData("$", "it's", @"$['it\'s']")]
    [InlineData("$", @"back\slash", @"$['back\\slash']")]
    [InlineData("$", "ключ", "$['ключ']")]
    [InlineData("$", "", "$['']")]
    [InlineData("$", "1st", "$['1st']")]
    [InlineData("$", "tab\there\u0001", @"$['tab\u0009here\u0001']")]
    [InlineData("$[]", "x y", "$[]['x y']")]
    public void AMemberIsDottedWhenItsNameIsAnIdentifierAndQuotedOtherwise(string parent, string name, string expected)
    {
        Assert.Equal(expected, FieldPath.Member(parent, name));
        Assert.Equal(expected.Length, FieldPath.MemberPathLength(parent, name));
    }

    [Theory]
    [InlineData("$", null)]
    [InlineData("$.a", "$")]
    [InlineData("$.a.b", "$.a")]
    [InlineData("$[]", "$")]
    [InlineData("$.a[]", "$.a")]
    [InlineData("$.a[][]", "$.a[]")]
    [InlineData("$.a[].b", "$.a[]")]
    [InlineData("$['a.b'].c", "$['a.b']")]
    [InlineData(@"$['it\'s']", "$")]
    [InlineData(@"$['x\\']", "$")]
    [InlineData(@"$['x\\'].y", @"$['x\\']")]
    [InlineData(@"$['a]['][]", @"$['a][']")]
    [InlineData(@"$['\u000A'].z", @"$['\u000A']")]
    [InlineData("$.a['b.c'].d", "$.a['b.c']")]
    [InlineData("not a path", null)]
    [InlineData("$.", null)]
    [InlineData("$.1a", null)]
    [InlineData("$['open", null)]
    [InlineData(@"$['bad\q']", null)]
    [InlineData("$x", null)]
    public void TheParentIsThePathWithoutItsLastSegment(string path, string? expected)
    {
        Assert.Equal(expected, FieldPath.Parent(path));
    }

    [Theory]
    [InlineData("a")]
    [InlineData("a.b")]
    [InlineData("it's")]
    [InlineData(@"back\slash")]
    [InlineData("")]
    [InlineData("\u0001\n\t\u001F")]
    [InlineData("ключ")]
    [InlineData("x']['y")]
    [InlineData(@"\'")]
    [InlineData("😀")]
    [InlineData("[]")]
    public void AMemberNameReadsBackFromItsPath(string name)
    {
        var path = FieldPath.Member("$.a[]", name);

        Assert.Equal(name, FieldPath.MemberName(path));
        Assert.Equal("$.a[]", FieldPath.Parent(path));
    }

    [Theory]
    [InlineData("$")]
    [InlineData("$.a[]")]
    [InlineData("$['open")]
    public void APathNotEndingInAMemberHasNoMemberName(string path)
    {
        Assert.Null(FieldPath.MemberName(path));
    }
}
