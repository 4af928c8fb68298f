using System.Text.RegularExpressions;

namespace Relay.Contracts.Tests;

/// <summary>Every C# block the README and docs/ print is a sample project that CI builds, byte for byte.</summary>
public sealed partial class DocSamplesTests
{
    [Fact]
    public void Every_csharp_block_in_the_docs_is_the_whole_of_a_built_sample()
    {
        var root = RepositoryRoot.Find();
        var samples = Directory.GetFiles(Path.Combine(root, "samples"), "Program.cs", SearchOption.AllDirectories)
            .Select(f => File.ReadAllText(f).ReplaceLineEndings("\n"))
            .ToList();
        var docs = new[] { Path.Combine(root, "README.md") }.Concat(Directory.GetFiles(Path.Combine(root, "docs"), "*.md")).ToList();
        var blocks = 0;
        foreach (var doc in docs)
        {
            foreach (Match block in CsharpBlock().Matches(File.ReadAllText(doc).ReplaceLineEndings("\n")))
            {
                blocks++;
                Assert.True(samples.Contains(block.Groups[1].Value), $"a C# block in {Path.GetFileName(doc)} is not a sample's Program.cs:\n{block.Groups[1].Value}");
            }
        }

        Assert.True(blocks >= 3, $"only {blocks} C# blocks found");
        Assert.All(Directory.GetFiles(Path.Combine(root, "samples"), "*.csproj", SearchOption.AllDirectories), p =>
            Assert.Contains(Path.GetRelativePath(root, p).Replace('\\', '/'), File.ReadAllText(Path.Combine(root, "Relay.slnx")), StringComparison.Ordinal));
    }

    [Fact]
    public void The_systemd_unit_has_comments_only_on_lines_of_their_own()
    {
        // systemd takes "# ..." after a value as part of the value (an EnvironmentFile= path that does not exist).
        var deployment = File.ReadAllText(Path.Combine(RepositoryRoot.Find(), "docs", "deployment.md")).ReplaceLineEndings("\n");
        var unit = Assert.Single(IniBlock().Matches(deployment)).Groups[1].Value;
        Assert.Contains("[Service]", unit, StringComparison.Ordinal);
        var settings = unit.Split('\n').Where(l => l.Contains('=', StringComparison.Ordinal) && !l.TrimStart().StartsWith('#') && !l.TrimStart().StartsWith(';')).ToList();
        Assert.NotEmpty(settings);
        Assert.All(settings, l => Assert.DoesNotContain("#", l.Replace("%H", "", StringComparison.Ordinal), StringComparison.Ordinal));
    }

    [GeneratedRegex("```csharp\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex CsharpBlock();

    [GeneratedRegex("```ini\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex IniBlock();
}
