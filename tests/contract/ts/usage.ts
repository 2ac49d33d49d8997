// A small client written against the types openapi-typescript generates from
// services/api/openapi.json. tests/contract/test_typescript.py generates ./api.d.ts next to a
// copy of this file and type-checks it strictly: a contract change that breaks these uses
// (a renamed schema or operation, a lost enum, an untyped header) fails the test.
import type { components, operations, paths } from "./api";

type Schemas = components["schemas"];
type Commitment = Schemas["CommitmentPublic"];
type CommitmentPage = Schemas["CommitmentPage"];
type Problem = Schemas["Problem"];
type LocalizedText = Schemas["LocalizedText"];

type ListQuery = NonNullable<operations["listCommitments"]["parameters"]["query"]>;
type CreateBody =
  operations["createCommitment"]["requestBody"]["content"]["application/json"];
type CreateHeaders = NonNullable<operations["createCommitment"]["parameters"]["header"]>;
type UpdateBody =
  NonNullable<operations["updateCommitment"]["requestBody"]>["content"]["application/json"];
type UpdateHeaders = NonNullable<operations["updateCommitment"]["parameters"]["header"]>;
type Updated =
  operations["updateCommitment"]["responses"][200]["content"]["application/json"];
type Stale =
  operations["updateCommitment"]["responses"][412]["content"]["application/problem+json"];
type TokenForm =
  operations["createToken"]["requestBody"]["content"]["application/x-www-form-urlencoded"];
type Token = operations["createToken"]["responses"][200]["content"]["application/json"];

// Paths are typed too: the operation behind a path is the one named by its operationId.
const listPath: keyof paths = "/api/v1/plans/{plan_id}/commitments";
type ListOperation = paths["/api/v1/plans/{plan_id}/commitments"]["get"];
const sameOperation: ListOperation extends operations["listCommitments"] ? true : false = true;

// Enums are named schemas with their values.
const inProgress: Schemas["CommitmentStatus"] = "in_progress";
// @ts-expect-error: "done" is not a commitment status
const notAStatus: Schemas["CommitmentStatus"] = "done";
const sorts: ListQuery["sort"][] = ["reference", "-due_date", undefined];

// Localized text is a map from language tag to text.
const title: LocalizedText = { ja: "サイバー防衛", en: "Cyber defence" };

const createBody: CreateBody = {
  priority_area_id: "5f1d8f0e-3b1a-4c2d-9e8f-7a6b5c4d3e2f",
  title,
  modality: "exercise_participation",
  lead_party_id: "0b6f3c1e-9a52-4c6e-8f0e-6a1d2b3c4d5e",
};
// @ts-expect-error: a commitment needs a title
const untitled: CreateBody = { ...createBody, title: undefined };
// @ts-expect-error: progress is a number
const wordyProgress: UpdateBody = { progress: "forty" };

// Headers are documented parameters: If-Match on updates, Idempotency-Key on creations.
const createHeaders: CreateHeaders = { "Idempotency-Key": "3f1c9d2e-create-1" };
function updateHeaders(etag: string): UpdateHeaders {
  return { "If-Match": etag };
}

const API = "http://127.0.0.1:8000";

async function signIn(form: TokenForm): Promise<Token | Problem> {
  const body = new URLSearchParams({
    grant_type: form.grant_type,
    username: form.username,
    password: form.password,
  });
  if (form.otp) body.set("otp", form.otp);
  const response = await fetch(`${API}/api/v1/auth/token`, { method: "POST", body });
  return (await response.json()) as Token | Problem;
}

async function listCommitments(
  token: string,
  planId: string,
  query: ListQuery,
): Promise<CommitmentPage> {
  const search = new URLSearchParams();
  for (const status of query.status ?? []) search.append("status", status);
  if (query.sort) search.set("sort", query.sort);
  if (query.limit !== undefined) search.set("limit", String(query.limit));
  if (query.cursor) search.set("cursor", query.cursor);
  const response = await fetch(`${API}/api/v1/plans/${planId}/commitments?${search}`, {
    headers: { Authorization: `Bearer ${token}` },
  });
  return (await response.json()) as CommitmentPage;
}

// Every record carries its ETag in the body too, so a list item can be updated directly.
async function updateCommitment(
  token: string,
  commitment: Commitment,
  change: UpdateBody,
): Promise<Updated | Stale> {
  const response = await fetch(`${API}/api/v1/commitments/${commitment.id}`, {
    method: "PATCH",
    headers: {
      Authorization: `Bearer ${token}`,
      "Content-Type": "application/json",
      ...updateHeaders(commitment.etag),
    },
    body: JSON.stringify(change),
  });
  return (await response.json()) as Updated | Stale;
}

function describe(problem: Problem): string {
  const fields = (problem.errors ?? []).map((error) => error.loc.join(".")).join(", ");
  switch (problem.type) {
    case "/problems/precondition-failed":
      return "changed meanwhile: read it again";
    case "/problems/validation-error":
      return `invalid: ${fields}`;
    default:
      return `${problem.status} ${problem.title}: ${problem.detail ?? ""}`;
  }
}

export async function demo(): Promise<string> {
  const signedIn = await signIn({
    grant_type: "password",
    username: "k.tanaka@mofa.example",
    password: "…",
  });
  if (!("access_token" in signedIn)) return describe(signedIn);
  const token: string = signedIn.access_token;
  const page = await listCommitments(token, "08d02d5f-26f6-4b6a-a437-660498fda99b", {
    status: [inProgress],
    sort: "-due_date",
    limit: 10,
  });
  const first = page.items[0];
  if (first === undefined) return "no commitments";
  const result = await updateCommitment(token, first, { progress: first.progress + 10 });
  if ("type" in result) return describe(result);
  const cursor: string | null = page.next_cursor;
  return `${result.reference} is at ${result.progress}% (next page: ${cursor ?? "none"})`;
}

// The two-party lifecycle the Python contract test runs, as typed calls: a review assessed,
// rated, signed off (a sign-off has no body: the party is the caller's own) and concluded; an
// amendment decided. A repeated sign-off answers 200 with the review, like the first (201).
type Review = Schemas["ReviewPublic"];
type Assessment =
  operations["putReviewAssessment"]["requestBody"]["content"]["application/json"];
type AgreedRating = NonNullable<
  operations["updateReviewItem"]["requestBody"]
>["content"]["application/json"];
type SignedOff = operations["signOffReview"]["responses"][201]["content"]["application/json"];
type SignedAlready =
  operations["signOffReview"]["responses"][200]["content"]["application/json"];
type SignOffHeaders = operations["signOffReview"]["parameters"]["header"];
type Decision = operations["decideAmendment"]["requestBody"]["content"]["application/json"];
type Decided = operations["decideAmendment"]["responses"][200]["content"]["application/json"];
type Versions = operations["listPlanVersions"]["responses"][200]["content"]["application/json"];
const sameReview: SignedAlready extends SignedOff ? true : false = true;
// A review says whether it will still be held (not for a closed plan's scheduled reviews).
const held = (review: Review): boolean => review.will_be_held && !review.is_overdue;
// @ts-expect-error: a rating is one of the health values
const badRating: Assessment = { rating: "fine" };

async function send<T>(token: string, method: string, path: string, init: RequestInit = {}) {
  const response = await fetch(`${API}/api/v1${path}`, {
    ...init,
    method,
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json", ...init.headers },
  });
  return (await response.json()) as T | Problem;
}

export async function jointReview(
  editor: string,
  approvers: string[],
  reviewId: string,
): Promise<string> {
  const review = await send<Review>(editor, "POST", `/reviews/${reviewId}/open`);
  if ("type" in review) return describe(review);
  for (const item of review.items) {
    const assessment: Assessment = { rating: "on_track", note: "Going well." };
    await send(editor, "PUT", `/reviews/${reviewId}/items/${item.id}/assessment`, {
      headers: { "If-Match": item.etag },
      body: JSON.stringify(assessment),
    });
    const agreed: AgreedRating = { agreed_rating: "on_track" };
    await send(editor, "PATCH", `/reviews/${reviewId}/items/${item.id}`, {
      headers: { "If-Match": item.etag },
      body: JSON.stringify(agreed),
    });
  }
  for (const approver of approvers) {
    const current = await send<Review>(approver, "GET", `/reviews/${reviewId}`);
    if ("type" in current) return describe(current);
    const headers: SignOffHeaders = { "If-Match": current.etag };
    const signed = await send<SignedOff | SignedAlready>(
      approver,
      "POST",
      `/reviews/${reviewId}/sign-offs`,
      { headers },
    );
    if ("type" in signed) return describe(signed);
  }
  const concluded = await send<Review>(editor, "POST", `/reviews/${reviewId}/conclude`);
  if ("type" in concluded) return describe(concluded);
  return `review ${concluded.number}: ${concluded.status}, held: ${held(concluded)}`;
}

export async function consent(approver: string, amendmentId: string, planId: string) {
  const decision: Decision = { decision: "approve" };
  const decided = await send<Decided>(approver, "POST", `/amendments/${amendmentId}/approvals`, {
    body: JSON.stringify(decision),
  });
  if ("type" in decided) return describe(decided);
  const versions = await send<Versions>(approver, "GET", `/plans/${planId}/versions`);
  if ("type" in versions) return describe(versions);
  return `${decided.status}: version ${versions.items[0]?.number ?? "none"}`;
}

export const checks = [
  listPath,
  sameOperation,
  notAStatus,
  sorts,
  untitled,
  wordyProgress,
  createHeaders,
  sameReview,
  badRating,
];
