namespace Relay.Cli.Tests;

public sealed class PromptInputTests
{
    [Theory]
    [InlineData("", "question", "question")]
    [InlineData("diff text\n", null, "diff text")]
    [InlineData("diff text\n", "review this", "diff text\n\nreview this")]
    [InlineData("", null, null)]
    [InlineData("", "  ", null)]
    public async Task Stdin_comes_before_the_prompt_with_a_blank_line(string stdin, string? prompt, string? expected)
    {
        var (console, _, _) = TestConsole.Create(input: stdin);
        Assert.Equal(expected, await PromptInput.ReadAsync(console, prompt, TestContext.Current.CancellationToken));
    }
}
