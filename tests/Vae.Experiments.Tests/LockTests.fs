// Two sweeps on one results folder (threads here: the run-folder lock refuses another thread like another process;
// scripts/suites/locks.sh does it with two real processes): every point is trained once, neither reports a point
// finished by the other as failed, and no finished run holds error.txt.
module Vae.Experiments.Tests.LockTests

open System.IO
open System.Threading
open System.Threading.Tasks
open Expecto
open Vae.Experiments
open Vae.Experiments.Tests.Fakes

/// A stand-in that takes a while per point, so two sweeps overlap.
let private slow (counter: CountingBackend) =
    { counter.Backend with Run = fun ctx c -> Thread.Sleep 150; counter.Backend.Run ctx c }

let private errorFiles (root: string) =
    Directory.GetFiles(root, RunStore.ErrorFile, SearchOption.AllDirectories) |> List.ofArray

[<Tests>]
let tests =
    testList "Locks" [
        test "Two_sweeps_started_together_train_every_point_once_and_both_succeed" {
            use tmp = new TempDir()
            let grid = dzGrid |> List.take 6
            let a, b = CountingBackend(), CountingBackend()
            let go (be: CountingBackend) = Task.Run(fun () -> Sweep.run quiet { settingsFor tmp.Path with Parallel = 2 } (slow be) "e" grid)
            let ta, tb = go a, go b
            let ra, rb = ta.Result, tb.Result
            Expect.equal (a.Calls + b.Calls) grid.Length "each point trained by exactly one sweep"
            Expect.equal (List.sort (a.Ran @ b.Ran)) (grid |> List.map Config.runId |> List.sort) "and every point by one of them"
            for r in [ ra; rb ] do
                Expect.isEmpty r.Failed "no sweep reports a failure"
                Expect.equal r.Runs.Length grid.Length "each sweep ends with every row"
                Expect.equal (r.Ran + r.Skipped) grid.Length "ran + reused covers the grid"
            Expect.isEmpty (errorFiles tmp.Path) "no error.txt anywhere"
        }

        test "A_sweep_started_later_waits_for_a_locked_point_and_reuses_it" {
            use tmp = new TempDir()
            let grid = dzGrid |> List.take 3
            let first, second = CountingBackend(), CountingBackend()
            let gate = new ManualResetEventSlim(false)
            let blocking =
                { first.Backend with Run = fun ctx c -> gate.Wait(); first.Backend.Run ctx c }
            let t1 = Task.Run(fun () -> Sweep.run quiet (settingsFor tmp.Path) blocking "e" [ grid.Head ])
            let dir0 = RunStore.runDir tmp.Path "e" (Config.runId grid.Head)
            SpinWait.SpinUntil((fun () -> Vae.Core.IO.RunLock.IsHeld dir0), 10_000) |> ignore
            let lines = System.Collections.Concurrent.ConcurrentQueue<string>()
            let t2 = Task.Run(fun () -> Sweep.run lines.Enqueue (settingsFor tmp.Path) second.Backend "e" grid)
            // The second sweep trains the free points first, then waits for the locked one.
            SpinWait.SpinUntil((fun () -> second.Calls = 2), 10_000) |> ignore
            Expect.equal second.Calls 2 "the free points were trained while the first was locked"
            Expect.isFalse t2.IsCompleted "the second sweep waits for the locked point"
            gate.Set()
            let r1, r2 = t1.Result, t2.Result
            Expect.isEmpty r1.Failed "first sweep ok"
            Expect.isEmpty r2.Failed "the point finished by the other sweep is not a failure"
            Expect.equal (r2.Ran, r2.Skipped) (2, 1) "2 ran, the locked one reused"
            Expect.equal r2.Runs.Length 3 "every row"
            Expect.isTrue (lines |> Seq.exists (fun l -> l.Contains "being trained by another process")) "it said why it skipped"
            Expect.isEmpty (errorFiles tmp.Path) "no error.txt anywhere"
        }
    ]
