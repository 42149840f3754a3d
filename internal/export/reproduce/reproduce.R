#!/usr/bin/env Rscript
# Recompute Expertenrunde's per-item statistics from an analysis bundle,
# in base R only (no packages).
#
# Usage: Rscript scripts/reproduce.R [BUNDLE_DIR [OUT_CSV]]
#
# BUNDLE_DIR is the unpacked bundle (default: the folder above this script).
# Reads data/answers_long.csv, codebook.csv, analysis/settings.csv and
# analysis/rule.csv, computes for every round and every rating item or
# criterion n, median, q1, q3, iqr (quantile() with the study's type, 7 or
# 6), agreement_percent (100 * ratings in the agreement band / n) and the
# outcome of the study's consensus rule, or of a criterion's own rule
# (consensus_in, consensus_out, none),
# writes them to OUT_CSV (default: reproduced/item_statistics_R.csv in the
# bundle) with the columns of results/item_statistics.csv, compares them
# with that file (numbers to 1e-9; n and outcomes exactly) and exits with
# status 1 when anything differs.
#
# The platform compares thresholds exactly (on fractions); R compares in
# double precision, with a margin of 1e-9 that only matters for a value
# exactly on a threshold. The definitions are those of the project's
# docs/STATISTICS.md and docs/ANALYSIS.md ("Consensus evaluation").

TOLERANCE <- 1e-9
EPS <- 1e-9
COLUMNS <- c("round", "item_id", "criterion_id", "variable", "n", "median", "q1", "q3", "iqr", "agreement_percent", "outcome")

args <- commandArgs(trailingOnly = TRUE)
file_arg <- grep("^--file=", commandArgs(trailingOnly = FALSE), value = TRUE)
script_dir <- if (length(file_arg) > 0) dirname(normalizePath(sub("^--file=", "", file_arg[1]))) else file.path(getwd(), "scripts")
bundle <- if (length(args) >= 1) args[1] else dirname(script_dir)
out <- if (length(args) >= 2) args[2] else file.path(bundle, "reproduced", "item_statistics_R.csv")

rd <- function(path) {
  read.csv(file.path(bundle, path), colClasses = "character", na.strings = character(0),
           encoding = "UTF-8", check.names = FALSE)
}
num <- function(x) if (length(x) == 0 || is.na(x) || x == "") NA_real_ else as.numeric(x)

data <- rd("data/answers_long.csv")
codebook <- rd("codebook.csv")
settings <- rd("analysis/settings.csv")
rule <- rd("analysis/rule.csv")
setting <- function(key) settings$value[settings$key == key][1]
qtype <- as.integer(setting("quantile_type"))
if (setting("count") == "submitted") data <- data[data$submitted == "1", ]
data <- data[data$abstain == "0" & data$value != "", ]

quant <- function(v, p) unname(quantile(v, p, type = qtype, names = FALSE))

band_count <- function(f, lo, hi) sum(f$values %in% f$points & f$values >= lo & f$values <= hi)
at_least <- function(count, n, t) 100 * count >= t * n - EPS * max(1, t * n)
below <- function(count, n, t) 100 * count < t * n - EPS * max(1, t * n)

# node returns c(in, out) for the rule node with the given id.
node <- function(id, f) {
  r <- rule[rule$id == id, ]
  if (as.integer(r$min_n) > 0 && f$n < as.integer(r$min_n)) return(c(FALSE, FALSE))
  kids <- rule$id[rule$parent == id]
  kind <- r$kind
  if (kind == "all" || kind == "any") {
    res <- matrix(unlist(lapply(kids, node, f = f)), nrow = 2)
    if (kind == "all") return(c(all(res[1, ]), all(res[2, ])))
    return(c(any(res[1, ]), any(res[2, ])))
  }
  if (kind == "agreement") {
    if (f$n == 0) return(c(FALSE, FALSE))
    t <- num(r$min_percent)
    i <- at_least(band_count(f, f$amin, f$amax), f$n, t)
    o <- !is.na(f$dmin) && at_least(band_count(f, f$dmin, f$dmax), f$n, t)
    return(c(i, o))
  }
  if (kind == "comet") {
    if (f$n == 0) return(c(FALSE, FALSE))
    ci <- band_count(f, num(r$in_band_min), num(r$in_band_max))
    co <- band_count(f, num(r$out_band_min), num(r$out_band_max))
    t <- num(r$min_percent)
    opp <- num(r$max_opposite_percent)
    return(c(at_least(ci, f$n, t) && below(co, f$n, opp), at_least(co, f$n, t) && below(ci, f$n, opp)))
  }
  if (kind == "iqr") {
    ok <- f$n > 0 && (quant(f$values, 0.75) - quant(f$values, 0.25)) <= num(r$max) + EPS
    return(c(ok, ok))
  }
  if (kind == "iqr_relative") {
    # IQR <= max x (the scale's last point - its first).
    w <- f$points[length(f$points)] - f$points[1]
    ok <- f$n > 0 && w > 0 && (quant(f$values, 0.75) - quant(f$values, 0.25)) <= num(r$max) * w + EPS
    return(c(ok, ok))
  }
  if (kind == "sd") {
    m <- num(r$max)
    ok <- f$n >= 2 && m >= 0 && var(f$values) <= m * m + EPS
    return(c(ok, ok))
  }
  if (kind == "cv") {
    m <- num(r$max)
    ok <- f$n >= 2 && mean(f$values) > 0 && m >= 0 && var(f$values) <= (m * mean(f$values))^2 + EPS
    return(c(ok, ok))
  }
  c(FALSE, FALSE)
}

outcome <- function(f, criterion = "") {
  # A criterion with a primary rule of its own (rows with its id in the
  # criterion column) is decided by it; every other row by the study's.
  root <- rule[rule$parent == "0" & rule$criterion == criterion, ]
  if (nrow(root) == 0) root <- rule[rule$parent == "0" & rule$criterion == "", ]
  if (nrow(root) == 0 || root$kind == "empty") return("none")
  if (as.integer(root$min_n) > 0 && f$n < as.integer(root$min_n)) return("none")
  io <- node(root$id, f)
  if (io[1] && io[2]) {
    if (f$n == 0) return("none")
    m <- quant(f$values, 0.5)
    if (m >= f$amin && m <= f$amax) return("consensus_in")
    if (!is.na(f$dmin) && m >= f$dmin && m <= f$dmax) return("consensus_out")
    return("none")
  }
  if (io[1]) return("consensus_in")
  if (io[2]) return("consensus_out")
  "none"
}

fmt <- function(x) if (is.na(x)) "" else formatC(x, digits = 17, format = "g")

ratings <- codebook[codebook$scale_points != "", ]
rounds_of <- lapply(strsplit(ratings$rounds, " "), as.integer)
rows <- list()
for (rnd in sort(unique(unlist(rounds_of)))) {
  for (i in seq_len(nrow(ratings))) {
    v <- ratings[i, ]
    if (!(rnd %in% rounds_of[[i]])) next
    values <- as.numeric(data$value[data$round == as.character(rnd) & data$variable == v$variable])
    f <- list(values = values, n = length(values), points = as.numeric(strsplit(v$scale_points, " ")[[1]]),
              amin = num(v$agreement_min), amax = num(v$agreement_max),
              dmin = num(v$disagreement_min), dmax = num(v$disagreement_max))
    if (f$n > 0) {
      q1 <- quant(values, 0.25); med <- quant(values, 0.5); q3 <- quant(values, 0.75)
      iqr <- q3 - q1
      agree <- 100 * band_count(f, f$amin, f$amax) / f$n
    } else {
      q1 <- med <- q3 <- iqr <- agree <- NA_real_
    }
    criterion <- if (v$type == "multi_rating") v$part else ""
    rows[[length(rows) + 1]] <- c(as.character(rnd), v$item_id, criterion, v$variable, as.character(f$n),
                                  fmt(med), fmt(q1), fmt(q3), fmt(iqr), fmt(agree), outcome(f, criterion))
  }
}
if (length(rows) == 0) {
  result <- as.data.frame(matrix(character(0), ncol = length(COLUMNS)), stringsAsFactors = FALSE)
} else {
  result <- as.data.frame(do.call(rbind, rows), stringsAsFactors = FALSE)
}
names(result) <- COLUMNS
dir.create(dirname(out), showWarnings = FALSE, recursive = TRUE)
write.csv(result, out, row.names = FALSE)

platform <- rd("results/item_statistics.csv")
key <- function(d) paste(d$round, d$item_id, d$criterion_id, sep = "/")
problems <- character(0)
m <- match(key(platform), key(result))
for (j in seq_len(nrow(platform))) {
  k <- key(platform)[j]
  if (is.na(m[j])) { problems <- c(problems, paste(k, "missing here")); next }
  mine <- result[m[j], ]
  want <- platform[j, ]
  if (mine$n != want$n) problems <- c(problems, paste(k, "n", mine$n, "platform", want$n))
  for (col in COLUMNS[6:10]) {
    a <- mine[[col]]; b <- want[[col]]
    if ((a == "") != (b == "")) {
      problems <- c(problems, paste(k, col, a, "platform", b))
    } else if (a != "" && abs(as.numeric(a) - as.numeric(b)) > TOLERANCE) {
      problems <- c(problems, paste(k, col, a, "platform", b))
    }
  }
  if (mine$outcome != want$outcome) problems <- c(problems, paste(k, "outcome", mine$outcome, "platform", want$outcome))
}
extra <- setdiff(key(result), key(platform))
if (length(extra) > 0) problems <- c(problems, paste(extra, "not in the platform's statistics"))
for (p in problems) cat("DIFFERS", p, "\n")
cat(sprintf("reproduce.R: %d rows written to %s; %d differences from results/item_statistics.csv\n", nrow(result), out, length(problems)))
quit(status = if (length(problems) > 0) 1 else 0)
