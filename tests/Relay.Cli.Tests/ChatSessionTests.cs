using Relay.Contracts;

namespace Relay.Cli.Tests;

public sealed class ChatSessionTests
{
    [Fact]
    public void Messages_are_system_then_history_then_the_new_prompt()
    {
        var session = new ChatSession("m", "be brief");
        session.Record("hi", new AnswerOutcome("hello", "m", null, null, false));
        var messages = session.BuildMessages("again");
        Assert.Equal([ChatRole.System, ChatRole.User, ChatRole.Assistant, ChatRole.User], messages.Select(m => m.Role));
        Assert.Equal("again", messages[^1].Content);
    }

    [Fact]
    public void An_interrupted_answer_is_kept_and_marked()
    {
        var session = new ChatSession(null, null);
        session.Record("q", new AnswerOutcome("partial", null, null, null, Interrupted: true));
        Assert.Equal("partial" + ChatSession.InterruptedMarker, session.History[^1].Content);
    }

    [Fact]
    public void A_failed_question_with_no_text_stays_out_of_the_history()
    {
        var session = new ChatSession(null, null);
        session.Record("q", new AnswerOutcome("", null, null, StreamError.Create(StreamErrorCode.UpstreamError), false));
        Assert.Empty(session.History);
    }

    [Fact]
    public void Slash_commands_change_model_system_and_history()
    {
        var session = new ChatSession("a", null);
        session.Record("q", new AnswerOutcome("x", null, new Usage { PromptTokens = 3, CompletionTokens = 4, TotalTokens = 7, CostUsd = 0.001m }, null, false));
        Assert.Equal("model: b", session.Execute("/model b"));
        Assert.Equal("b", session.Model);
        Assert.Equal("model: b", session.Execute("/model"));
        Assert.Equal("system prompt set", session.Execute("/system  be kind "));
        Assert.Equal("be kind", session.SystemPrompt);
        Assert.Equal("1 answers · 3 in / 4 out tokens · $0.001", session.Execute("/usage"));
        Assert.Equal("conversation cleared", session.Execute("/clear"));
        Assert.Empty(session.History);
        Assert.Equal("system prompt removed", session.Execute("/system"));
        Assert.Null(session.SystemPrompt);
        Assert.Contains("/exit", session.Execute("/help"), StringComparison.Ordinal);
        Assert.StartsWith("unknown command /nope", session.Execute("/nope"), StringComparison.Ordinal);
        Assert.Null(session.Execute("/exit"));
    }

    [Theory]
    [InlineData("0", "$0")]
    [InlineData("0.00041", "$0.00041")]
    [InlineData("0.001", "$0.001")]
    [InlineData("0.0000012", "$0.0000012")]
    [InlineData("0.00000123", "$0.0000012")]
    [InlineData("0.000000056", "$0.000000056")]
    public void Tiny_costs_show_their_first_digits_not_zero(string usd, string shown) =>
        Assert.Equal(shown, UsageLine.Cost(decimal.Parse(usd, System.Globalization.CultureInfo.InvariantCulture)));

    [Fact]
    public void A_usage_line_before_the_start_event_names_the_model_asked_for_or_none()
    {
        Assert.Equal("~0 out tokens · interrupted", UsageLine.Format(null, null, 0, null, null, interrupted: true));
        Assert.Equal("m/x · ~0 out tokens · interrupted", UsageLine.Format("m/x", null, 0, null, null, interrupted: true));
    }
}
