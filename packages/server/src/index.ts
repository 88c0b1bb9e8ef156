// @amaas/server: built in progress.
export {};
