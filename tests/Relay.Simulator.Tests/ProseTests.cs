using System.Text;
using System.Text.RegularExpressions;
using Relay.Contracts;

namespace Relay.Simulator.Tests;

/// <summary>The simulated answers read as English: what a newcomer without a key sees first.</summary>
public sealed partial class ProseTests
{
    private static readonly string[] Prompts =
    [
        "Write a 200 word story", "Tell me a story about the sea", "Explain tides", "Why is the sky blue?", "Write a 37 word fable",
        "Summarise this article", "hi", "Write a 1000 word story",
    ];

    public static TheoryData<string, int> Sample()
    {
        var data = new TheoryData<string, int>();
        foreach (var prompt in Prompts)
        {
            for (var seed = 0; seed < 25; seed += 6)
            {
                data.Add(prompt, seed);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Sample))]
    public void Whole_answers_are_sentences_that_start_with_a_capital_and_end_with_punctuation_with_no_word_twice_in_a_row(string prompt, int seed)
    {
        foreach (var model in SimulatedModel.All)
        {
            var answer = SimulatedAnswer.For(model.Id, [ChatMessage.User(prompt)], seed: seed);
            Assert.False(answer.CutByMaxTokens);
            AssertReadable(answer.Text);
            if (answer.Reasoning.Length > 0)
            {
                AssertReadable(answer.Reasoning);
            }
        }
    }

    [Fact]
    public void A_story_is_told_when_asked_for_and_explained_otherwise()
    {
        var story = SimulatedAnswer.For(SimulatedModel.DefaultId, [ChatMessage.User("Write a 200 word story")]).Text;
        var explanation = SimulatedAnswer.For(SimulatedModel.DefaultId, [ChatMessage.User("Explain tides")]).Text;
        Assert.Matches(@"\b(found|carried|remembered|painted|followed|opened|watched|mended|shared|hid)\b", story);
        Assert.DoesNotMatch(@"\b(found|carried|remembered|painted|followed|opened|watched|mended|shared|hid)\b", explanation);
        Assert.Contains("\n\n", story, StringComparison.Ordinal); // paragraphs
    }

    [Fact]
    public void Answers_are_deterministic_by_request_and_seed()
    {
        IReadOnlyList<ChatMessage> messages = [ChatMessage.User("Explain tides")];
        Assert.Equal(SimulatedAnswer.For("m", messages, seed: 3).Text, SimulatedAnswer.For("m", messages, seed: 3).Text);
        Assert.NotEqual(SimulatedAnswer.For("m", messages, seed: 3).Text, SimulatedAnswer.For("m", messages, seed: 4).Text);
        Assert.NotEqual(SimulatedAnswer.For("m", messages).Text, SimulatedAnswer.For("m", [ChatMessage.User("Explain rivers")]).Text);
    }

    [Fact]
    public void Answers_carry_accented_CJK_and_emoji_text_as_real_ones_do()
    {
        var text = new StringBuilder();
        for (var seed = 0; seed < 10; seed++)
        {
            text.Append(SimulatedAnswer.For(SimulatedModel.DefaultId, [ChatMessage.User("Write a 300 word story")], seed: seed).Text);
            text.Append(SimulatedAnswer.For(SimulatedModel.DefaultId, [ChatMessage.User("Explain tides")], seed: seed).Text);
        }

        var all = text.ToString();
        Assert.Matches("[éèüöñçâîôûëïœ]", all);
        Assert.Matches(@"\p{IsCJKUnifiedIdeographs}", all);
        Assert.Contains(all.EnumerateRunes(), r => r.Value >= 0x1F300);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(5)]
    [InlineData(7)]
    [InlineData(17)]
    [InlineData(150)]
    [InlineData(2_000)]
    [InlineData(10_000)]
    public void The_tokens_knob_gives_exactly_that_many_chunks_ending_with_a_whole_sentence(int tokens)
    {
        for (var seed = 0; seed < 20; seed++)
        {
            var answer = SimulatedAnswer.For(SimulatedModel.DefaultId, [ChatMessage.User("Write a story")], seed: seed, tokens: tokens);
            Assert.Equal(tokens, answer.Tokens.Count);
            Assert.All(answer.Tokens, t => Assert.False(string.IsNullOrEmpty(t)));
            AssertReadable(answer.Text);
        }
    }

    [Fact]
    public void Max_tokens_cuts_the_natural_answer_mid_sentence()
    {
        IReadOnlyList<ChatMessage> messages = [ChatMessage.User("Write a 200 word story")];
        var cut = SimulatedAnswer.For(SimulatedModel.DefaultId, messages, maxTokens: 13);
        Assert.True(cut.CutByMaxTokens);
        Assert.Equal(13, cut.Tokens.Count);
        Assert.StartsWith(cut.Text, SimulatedAnswer.For(SimulatedModel.DefaultId, messages).Text, StringComparison.Ordinal);
        Assert.False(SimulatedAnswer.For(SimulatedModel.DefaultId, messages, maxTokens: 500).CutByMaxTokens);
    }

    private static void AssertReadable(string text)
    {
        Assert.Equal(text.Trim(), text);
        foreach (var sentence in SentenceEnd().Split(text).Where(s => s.Length > 0))
        {
            Assert.True(char.IsUpper(sentence[0]), $"'{sentence}' does not start with a capital");
            Assert.Matches(@"[.!?]$", sentence);
        }

        var words = Regex.Split(text.ToLowerInvariant(), @"[\s.,!?]+").Where(w => w.Length > 0).ToList();
        for (var i = 1; i < words.Count; i++)
        {
            Assert.True(words[i] != words[i - 1], $"'{words[i]}' twice in a row in: {text}");
        }
    }

    [GeneratedRegex(@"(?<=[.!?])\s+")]
    private static partial Regex SentenceEnd();
}
