//! The built-in demo store ("Try it without an AWS account"): started, resumed, reported.

use super::Engine;
use crate::connections::Connection;
use crate::error::Result;

impl Engine {
    /// Starts the built-in demo store (creating its connection and sample bucket the first time).
    pub async fn start_demo(&self) -> Result<Connection> {
        let id = self.demo.start(&self.db, &self.secrets).await?;
        self.connection(&id).await
    }

    /// Starts the demo store at launch if the user set it up before.
    pub async fn resume_demo_if_configured(&self) -> Result<Option<Connection>> {
        match self.demo.connection_id(&self.db).await? {
            Some(_) => self.start_demo().await.map(Some),
            None => Ok(None),
        }
    }

    /// The demo connection's id, and whether its server is running.
    pub async fn demo_status(&self) -> Result<(Option<String>, bool)> {
        Ok((self.demo.connection_id(&self.db).await?, self.demo.is_running().await))
    }
}
