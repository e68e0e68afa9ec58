
namespace Vae.Tests.IO;

public class GitCommitTests
{
    const string A = "0123456789abcdef0123456789abcdef01234567", B = "89abcdef0123456789abcdef0123456789abcdef";

    static string Repo(TempDir dir, string head)
    {
        string git = dir.File("repo/.git");
        Directory.CreateDirectory(Path.Combine(git, "refs", "heads"));
        File.WriteAllText(Path.Combine(git, "HEAD"), head + "\n");
        Directory.CreateDirectory(dir.File("repo/src/deep"));
        return git;
    }

    [Fact]
    public void A_branch_head_resolves_through_its_loose_ref_from_a_subfolder()
    {
        using var dir = new TempDir();
        string git = Repo(dir, "ref: refs/heads/main");
        File.WriteAllText(Path.Combine(git, "refs", "heads", "main"), A + "\n");
        Assert.Equal(A, GitCommit.Find(dir.File("repo/src/deep")));
    }

    [Fact]
    public void A_branch_head_resolves_through_packed_refs()
    {
        using var dir = new TempDir();
        string git = Repo(dir, "ref: refs/heads/feature/x");
        File.WriteAllText(Path.Combine(git, "packed-refs"),
            $"# pack-refs with: peeled fully-peeled sorted\n{B} refs/heads/main\n{A} refs/heads/feature/x\n^{B}\n");
        Assert.Equal(A, GitCommit.Find(dir.File("repo")));
    }

    [Fact]
    public void A_detached_head_is_returned_as_is_in_lower_case()
    {
        using var dir = new TempDir();
        Repo(dir, A.ToUpperInvariant());
        Assert.Equal(A, GitCommit.Find(dir.File("repo/src")));
    }

    [Fact]
    public void A_linked_worktree_reads_its_own_head_and_the_shared_refs()
    {
        using var dir = new TempDir();
        string git = Repo(dir, "ref: refs/heads/main");
        File.WriteAllText(Path.Combine(git, "refs", "heads", "io"), B + "\n");
        string wtGit = Path.Combine(git, "worktrees", "wt");
        Directory.CreateDirectory(wtGit);
        File.WriteAllText(Path.Combine(wtGit, "HEAD"), "ref: refs/heads/io\n");
        File.WriteAllText(Path.Combine(wtGit, "commondir"), "../..\n");
        Directory.CreateDirectory(dir.File("wt/sub"));
        File.WriteAllText(dir.File("wt/.git"), $"gitdir: {wtGit}\n");
        Assert.Equal(B, GitCommit.Find(dir.File("wt/sub")));
    }

    [Fact]
    public void No_repository_or_an_unborn_branch_gives_unknown()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.File("plain"));
        // The temp folder may itself sit inside some repository; only an isolated folder tree is asserted on.
        if (GitCommit.Find(Path.GetTempPath()) == GitCommit.Unknown)
            Assert.Equal(GitCommit.Unknown, GitCommit.Find(dir.File("plain")));
        Repo(dir, "ref: refs/heads/main"); // HEAD names a branch with no commit yet
        Assert.Equal(GitCommit.Unknown, GitCommit.Find(dir.File("repo")));
    }
}
